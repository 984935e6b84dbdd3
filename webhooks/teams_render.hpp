#pragma once
// Teams' side of the wire: Adaptive Cards (1.4) for cases, replies and notices,
// the message activities that carry them, and Workflows payloads. Buttons
// (Action.Submit) only go where a bot can receive them: outgoing-webhook answers
// and Workflows posts allow no card actions but links.
#include "bot/case_record.hpp"
#include "bot/directory.hpp"
#include "bot/message.hpp"
#include "bot/program.hpp"
#include "commands/reply.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace bot::webhooks {

inline constexpr std::string_view teams_action_key = "casebot_action";

// The case card: title, facts (state, severity, category, assignee, deadlines) and,
// with `with_actions`, Claim / Acknowledge / Resolve and a severity change with its reason.
boost::json::object teams_case_card(const case_record& c, wall_time now, const program& rules,
                                    const directory& people, bool with_actions);

// A command's answer: its text and its fields as a fact set.
boost::json::object teams_reply_card(const commands::reply& r);

// A notice (reminder, breach ping, update …) with its mentions.
boost::json::object teams_notice_card(const outbound_message& m);

// A message activity carrying one Adaptive Card, `fallback` as its text.
boost::json::object teams_card_activity(const boost::json::object& card, std::string_view fallback);

// What a Workflows "post to a channel when a webhook request is received" flow takes.
boost::json::object workflow_payload(const boost::json::object& card);

}  // namespace bot::webhooks
