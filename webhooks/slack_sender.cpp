#include "webhooks/slack_sender.hpp"

#include "webhooks/slack_api.hpp"
#include "webhooks/slack_render.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace bot::webhooks {
namespace json = boost::json;
namespace {
// Refusals that a person can fix without losing the message (a revoked token, a
// workspace-wide outage): keep retrying with backoff until Slack accepts.
constexpr std::array fixable_errors{std::string_view{"invalid_auth"}, std::string_view{"not_authed"},
                                    std::string_view{"token_revoked"}, std::string_view{"token_expired"},
                                    std::string_view{"account_inactive"}, std::string_view{"team_access_not_granted"},
                                    std::string_view{"missing_scope"}};
// Refusals for one channel that a person may lift (invite the bot: a private channel
// it is not in answers channel_not_found; unarchive it), or that may be a wrong id:
// retried for max_attempts, then failed.
constexpr std::array channel_errors{std::string_view{"not_in_channel"}, std::string_view{"channel_not_found"},
                                    std::string_view{"is_archived"}, std::string_view{"restricted_action"}};

// chat.update's answers for a message that is no longer there to update.
bool card_is_gone(std::string_view error)
{
    return error == "message_not_found";
}

// Slack refused the message's Block Kit layout (a field past its length limit, a block
// Slack no longer accepts): the words alone still reach people, so the same call is
// made once more without blocks. The text is the whole message in mrkdwn; only the
// buttons are lost, and the next card refresh tries the blocks again.
bool blocks_refused(const slack_call& call)
{
    return !call.ok && (call.error == "invalid_blocks" || call.error == "invalid_blocks_format");
}

// `call(text, blocks)` with the message's blocks, then, if Slack refused them, with
// their words as the text and no blocks.
template <typename Call>
slack_call with_text_fallback(const std::string& text, const json::array& blocks, Call call)
{
    auto first = call(text, blocks);
    if (blocks.empty() || !blocks_refused(first))
        return first;
    auto words = plain_text_of(blocks);
    return call(words.empty() ? text : words, json::array{});
}

constexpr std::array partly_done_errors{std::string_view{"fatal_error"}, std::string_view{"internal_error"}};

send_outcome outcome_of(const slack_call& call, std::string_view ref_key)
{
    send_outcome out;
    if (call.ok) {
        if (auto const* ts = call.body.if_contains(ref_key); ts && ts->is_string())
            out.platform_ref = std::string{ts->get_string()};
        return out;
    }
    out.error = call.error;
    out.retry_after = call.retry_after;
    // The call may have been carried out: no answer, a gateway's 5xx, an answer that is
    // not Slack's, or the two errors Slack documents as "some aspect of the operation
    // may have succeeded". Any other ok:false, and a 429, is Slack saying it did nothing.
    bool const partly_done = std::find(partly_done_errors.begin(), partly_done_errors.end(), call.error) !=
                             partly_done_errors.end();
    out.in_doubt = call.transport_failed || call.http_status >= 500 || partly_done ||
                   (call.http_status >= 200 && call.http_status < 300 && call.body.empty());
    bool const fixable = std::find(fixable_errors.begin(), fixable_errors.end(), call.error) != fixable_errors.end();
    bool const channel = std::find(channel_errors.begin(), channel_errors.end(), call.error) != channel_errors.end();
    out.what = call.retryable() || fixable || channel || out.in_doubt ? send_outcome::kind::retry
                                                                      : send_outcome::kind::failed;
    out.gives_up = channel && !out.in_doubt;
    out.rate_limited = is_rate_limit(call.http_status, out.retry_after);
    return out;
}

std::string text_of(const json::object& args)
{
    auto const* t = args.if_contains("text");
    return t && t->is_string() ? std::string{t->get_string()} : std::string{};
}

json::array blocks_of(json::object& args)
{
    if (auto* b = args.if_contains("blocks"); b && b->is_array())
        return std::move(b->get_array());
    return {};
}

// A posted message's metadata names its outbox row, so that a post whose answer was
// lost can be found again. The time it was queued tells this database's row from
// another with the same id (a restored backup) that posted into the same channel.
constexpr std::string_view outbox_event_type = "casebot_outbox";
// A post made by an attempt lies between the attempt's start and its answer's
// deadline (http_client's request timeout, well under this), give or take the
// difference between Slack's clock and ours (NTP: well under a minute).
constexpr std::chrono::minutes clock_margin{2};
constexpr std::chrono::minutes attempt_window{10};

json::object outbox_payload(const outbound_message& m, wall_time queued_at)
{
    auto const seconds = std::chrono::duration_cast<std::chrono::seconds>(queued_at.time_since_epoch()).count();
    return json::object{{"outbox_id", m.id}, {"queued_at", seconds}};
}

// A Slack ts ("<seconds>.<micros>") for a moment.
std::string slack_ts(wall_time t)
{
    auto const seconds = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    return std::to_string(std::max<long long>(seconds, 0)) + ".000000";
}

// One of the vendor's own Slack channels: the agents', the leads' or the escalation's.
bool is_routing_channel(const routing& routes, std::string_view channel)
{
    auto const named = [&](const std::vector<destination>& list) {
        return std::any_of(list.begin(), list.end(),
                           [&](const destination& d) { return d.where == platform::slack && d.channel == channel; });
    };
    return named(routes.agents_channels) || named(routes.leads_channels) || named(routes.escalation);
}

// A look-up call that failed: to be asked again later, or (missing_scope,
// not_in_channel, …) never answerable, so the message is sent again.
earlier_attempt refused_lookup(const slack_call& call, std::string_view what)
{
    using kind = earlier_attempt::kind;
    if (call.retryable())
        return {kind::ask_later, "", call.retry_after, call.error};
    return {kind::unknowable, "", std::nullopt, std::string{what} + ": " + call.error};
}
}  // namespace

slack_sender::slack_sender(slack_api& api, const desk_state& desk, const bot::clock& clock)
    : api_(api), desk_(desk), clock_(clock)
{
}

send_outcome slack_sender::send(const outbound_message& m, const case_record* c, wall_time queued_at)
{
    auto const desk = desk_.get();
    auto const now = clock_.now();
    // A post carries metadata naming its outbox row, so that it can be found if its answer is lost.
    auto const post = [&](const std::string& thread) {
        auto args = slack_post(m, thread, c, now, desk->rules, desk->people);
        json::object const metadata{{"event_type", outbox_event_type},
                                    {"event_payload", outbox_payload(m, queued_at)}};
        return outcome_of(with_text_fallback(text_of(args), blocks_of(args),
                                             [&](const std::string& text, const json::array& blocks) {
                                                 return api_.post_message(m.to.channel, text, blocks, thread,
                                                                          metadata);
                                             }),
                          "ts");
    };
    // The case's card (c->card_ref), set to the case as it is now.
    auto const update_card = [&] {
        auto args = slack_post(m, {}, c, now, desk->rules, desk->people);
        return with_text_fallback(text_of(args), blocks_of(args),
                                  [&](const std::string& text, const json::array& blocks) {
                                      return api_.update_message(m.to.channel, c->card_ref, text, blocks);
                                  });
    };
    if (m.kind == "card_update") {
        if (!c)
            return {send_outcome::kind::delivered, "", std::nullopt, "no case to show"};
        if (!c->card_ref.empty())
            if (auto updated = update_card(); updated.ok || !card_is_gone(updated.error))
                return outcome_of(updated, "ts");
        // The card never went out, or someone deleted it: the case shows a new one, in
        // its thread (the channel, when the deleted card was the thread's root). Its ts
        // becomes the case's card (outbox::delivered_as_new_card).
        auto posted = post(c->origin.thread == c->card_ref ? std::string{} : c->origin.thread);
        posted.new_card = posted.what == send_outcome::kind::delivered;
        return posted;
    }
    // A first card sent again (`casebot outbox --retry`) after a refresh already posted
    // the case's card anew: it refreshes that card rather than add a second one.
    if (m.kind == "case_card" && c && !c->card_ref.empty() && c->origin.where == platform::slack &&
        c->origin.channel == m.to.channel)
        return outcome_of(update_card(), "ts");
    if (!m.to.only_for.empty()) {
        auto args = slack_post(m, m.to.thread, c, now, desk->rules, desk->people);
        return outcome_of(with_text_fallback(text_of(args), blocks_of(args),
                                             [&](const std::string& text, const json::array& blocks) {
                                                 return api_.post_ephemeral(m.to.channel, m.to.only_for, text,
                                                                            blocks, m.to.thread);
                                             }),
                          "message_ts");
    }
    return post(m.to.thread);
}

earlier_attempt slack_sender::find_earlier(const outbound_message& m, wall_time queued_at, wall_time attempted_at)
{
    using kind = earlier_attempt::kind;
    if (!m.to.only_for.empty())
        return {kind::unknowable, "", std::nullopt, "ephemeral messages cannot be looked up"};
    // A direct message was posted to the person's user id; Slack put it in the app's
    // conversation with them, whose D… id conversations.open gives.
    std::string channel = m.to.channel;
    if (m.to.direct) {
        auto const dm = api_.direct_conversation(m.to.channel);
        if (dm.call.ok && !dm.value)
            return {kind::unknowable, "", std::nullopt, "conversations.open answered without a conversation id"};
        if (!dm.value)
            return refused_lookup(dm.call, "Slack did not open the direct message to look in it");
        channel = *dm.value;
    }
    auto const search = [&] {
        return api_.find_by_metadata(channel, m.to.thread, slack_ts(attempted_at - clock_margin),
                                     slack_ts(attempted_at + attempt_window), outbox_event_type,
                                     outbox_payload(m, queued_at));
    };
    auto found = search();
    // A card refresh that had to post the card anew posted it in the case's thread, or
    // in the channel when the card that went was the thread's root. (An update in place
    // carries no metadata and is never found: it is simply made again.)
    if (m.kind == "card_update" && !m.to.thread.empty() && found.call.ok && !found.value && found.complete)
        found = api_.find_by_metadata(channel, {}, slack_ts(attempted_at - clock_margin),
                                      slack_ts(attempted_at + attempt_window), outbox_event_type,
                                      outbox_payload(m, queued_at));
    // The bot posts in the vendor's own channels without being invited (chat:write.public)
    // but cannot read them: it joins (channels:join), as an admin inviting it would, and
    // looks again. Never a customer's channel: one the bot was removed from stays so.
    if (!found.call.ok && found.call.error == "not_in_channel" && !m.to.direct &&
        is_routing_channel(desk_.get()->people.routes(), channel)) {
        auto const joined = api_.join_channel(channel);
        if (!joined.ok)
            return refused_lookup(joined, "casebot is not in the channel and could not join it to look");
        found = search();
    }
    if (found.value)
        return {kind::arrived, *found.value, std::nullopt, ""};
    if (!found.call.ok)
        return refused_lookup(found.call, "Slack refused the look-up");
    if (!found.complete)
        return {kind::unknowable, "", std::nullopt, "could not look through every message of the attempt's time"};
    return {kind::absent, "", std::nullopt, ""};
}

}  // namespace bot::webhooks
