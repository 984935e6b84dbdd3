#include "webhooks/slack_sender.hpp"

#include "webhooks/slack_api.hpp"
#include "webhooks/slack_render.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <array>

namespace bot::webhooks {
namespace json = boost::json;
namespace {
// Refusals that a person can fix without losing the message (a revoked token, a
// workspace-wide outage): keep retrying with backoff rather than give up.
constexpr std::array fixable_errors{std::string_view{"invalid_auth"}, std::string_view{"not_authed"},
                                    std::string_view{"token_revoked"}, std::string_view{"token_expired"},
                                    std::string_view{"account_inactive"}, std::string_view{"team_access_not_granted"}};

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
    bool const fixable = std::find(fixable_errors.begin(), fixable_errors.end(), call.error) != fixable_errors.end();
    out.what = call.retryable() || fixable ? send_outcome::kind::retry : send_outcome::kind::failed;
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
}  // namespace

slack_sender::slack_sender(slack_api& api, const desk_state& desk, const bot::clock& clock)
    : api_(api), desk_(desk), clock_(clock)
{
}

send_outcome slack_sender::send(const outbound_message& m, const case_record* c)
{
    auto const desk = desk_.get();
    auto const now = clock_.now();
    if (m.kind == "card_update") {
        // Nothing to refresh when the card never went out (its delivery failed).
        if (!c || c->card_ref.empty())
            return {send_outcome::kind::delivered, "", std::nullopt, "no card to refresh"};
        auto args = slack_post(m, {}, c, now, desk->rules, desk->people);
        auto const text = text_of(args);
        return outcome_of(api_.update_message(m.to.channel, c->card_ref, text, blocks_of(args)), "ts");
    }
    auto args = slack_post(m, m.to.thread, c, now, desk->rules, desk->people);
    auto const text = text_of(args);
    auto const blocks = blocks_of(args);
    if (!m.to.only_for.empty())
        return outcome_of(api_.post_ephemeral(m.to.channel, m.to.only_for, text, blocks, m.to.thread), "message_ts");
    return outcome_of(api_.post_message(m.to.channel, text, blocks, m.to.thread), "ts");
}

}  // namespace bot::webhooks
