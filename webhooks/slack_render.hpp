#pragma once
// Slack's side of the wire: replies, messages, case cards (Block Kit) and modals.
// User-written text is escaped (&, <, >) so nobody can ping @channel through a title.
#include "bot/case_record.hpp"
#include "bot/directory.hpp"
#include "bot/message.hpp"
#include "bot/program.hpp"
#include "commands/reply.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace bot::webhooks {

// Action ids on the case card and the modals' callback ids.
inline constexpr std::string_view claim_action = "case_claim";
inline constexpr std::string_view ack_action = "case_ack";
inline constexpr std::string_view resolve_action = "case_resolve";
inline constexpr std::string_view severity_action = "case_severity";
inline constexpr std::string_view new_case_view = "new_case";
inline constexpr std::string_view severity_view = "severity_change";

std::string escape_mrkdwn(std::string_view text);

// Whether `inside` (between < and >) is Slack's markup for a person (@U…), a channel
// (#C…) or a link (https://…, http://…, mailto:…), each with an optional |label.
bool is_link_markup(std::string_view inside);

// escape_mrkdwn(), except that people, channels and links written in Slack's markup
// stay markup, so that an agent's "<@U0CAROL> could you check <https://…|the status
// page>" mentions Carol and links the page when the bot posts it. Special mentions
// (<!channel>, <!here>, <!subteam^…>) are escaped like any text: nobody pings a whole
// channel through the bot.
std::string escape_mrkdwn_keeping_links(std::string_view text);

// A command's answer as a slash-command response body ({"response_type", "text", "blocks"}).
boost::json::object slack_reply(const commands::reply& r);

// The card's blocks: what the case is, its state and deadlines, and buttons.
boost::json::array case_card_blocks(const case_record& c, wall_time now, const program& rules,
                                    const directory& people);

// The words of a message's blocks as mrkdwn, one line each (a header in bold, section
// texts and fields, context lines; buttons and menus dropped): what is sent instead
// when Slack refuses the blocks. Empty when they hold no words.
std::string plain_text_of(const boost::json::array& blocks);

// Mentions first (<@U…>, <!subteam^S…>), then the text, escaped but for the people,
// channels and links it names (escape_mrkdwn_keeping_links).
std::string slack_text(const outbound_message& m);

// chat.postMessage arguments for a message (a case card when `c` is given and the
// message is one), without `channel`'s thread resolution: `thread` is passed in.
boost::json::object slack_post(const outbound_message& m, std::string_view thread, const case_record* c,
                               wall_time now, const program& rules, const directory& people);

// The modal `/case` opens: severity, category, title, description.
boost::json::object new_case_modal(std::string_view channel, std::string_view thread);

// The modal a severity choice on the card opens, asking for the reason.
boost::json::object severity_modal(case_id id, severity level, std::string_view channel);

}  // namespace bot::webhooks
