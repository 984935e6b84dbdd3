#pragma once
// Plain-text rendering of replies and outbound messages, for the terminal.
#include "bot/directory.hpp"
#include "bot/outbox.hpp"
#include "commands/reply.hpp"

#include <string>

namespace bot::app {

// The reply's text, then its fields as "  Name: value" lines.
std::string render_reply(const commands::reply& r);

// "slack C0ACME (thread of #3)", "slack DM U0LEA", "teams 19:…"
std::string render_destination(const destination& to, std::optional<case_id> case_ref);

// "@Ana Alvarez @agents Reminder: …"
std::string render_message_text(const outbound_message& m);

}  // namespace bot::app
