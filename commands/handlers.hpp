#pragma once
// One function per command; each is a pure function of its input and the ports in
// `context`. register_all() puts them in the dispatcher.
#include "bot/errc.hpp"
#include "commands/context.hpp"
#include "commands/parser.hpp"
#include "commands/reply.hpp"

namespace bot::commands {

using handler = result<reply> (*)(const command&, const invocation&, context&);

result<reply> new_case(const command&, const invocation&, context&);
result<reply> claim(const command&, const invocation&, context&);
result<reply> ack(const command&, const invocation&, context&);
result<reply> info(const command&, const invocation&, context&);
result<reply> update(const command&, const invocation&, context&);
result<reply> note(const command&, const invocation&, context&);
result<reply> severity(const command&, const invocation&, context&);
result<reply> approve(const command&, const invocation&, context&);
result<reply> decline(const command&, const invocation&, context&);
result<reply> category(const command&, const invocation&, context&);
result<reply> assign(const command&, const invocation&, context&);
result<reply> escalate(const command&, const invocation&, context&);
result<reply> resolve(const command&, const invocation&, context&);
result<reply> close(const command&, const invocation&, context&);
result<reply> reopen(const command&, const invocation&, context&);
result<reply> show(const command&, const invocation&, context&);
result<reply> why(const command&, const invocation&, context&);
result<reply> list(const command&, const invocation&, context&);
result<reply> sla(const command&, const invocation&, context&);
result<reply> contacts(const command&, const invocation&, context&);
result<reply> help(const command&, const invocation&, context&);

}  // namespace bot::commands
