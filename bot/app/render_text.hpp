#pragma once
// Plain-text rendering of replies and outbound messages, for the terminal.
#include "bot/directory.hpp"
#include "bot/outbox.hpp"
#include "commands/reply.hpp"

#include <string>
#include <string_view>

namespace bot::app {

// `text` made safe to write to a terminal: control characters (C0 but newline and
// tab, DEL, C1) become visible escapes like \x1b and \u009b, so text a customer typed
// cannot move the cursor, retitle the window or recolour the screen of an agent
// reading it. A CR before a newline (Windows line ends) is dropped.
std::string for_terminal(std::string_view text);

// The reply's text, then its fields as "  Name: value" lines.
std::string render_reply(const commands::reply& r);

// "slack C0ACME (thread of #3)", "slack DM U0LEA", "teams 19:…"
std::string render_destination(const destination& to, std::optional<case_id> case_ref);

// "@Ana Alvarez @agents Reminder: …"
std::string render_message_text(const outbound_message& m);

}  // namespace bot::app
