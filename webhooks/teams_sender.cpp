#include "webhooks/teams_sender.hpp"

#include "bot/utf8.hpp"
#include "webhooks/teams_api.hpp"
#include "webhooks/teams_render.hpp"

#include <boost/json.hpp>

namespace bot::webhooks {
namespace json = boost::json;
namespace {
send_outcome outcome_of(const teams_call& call)
{
    send_outcome out;
    if (call.ok) {
        if (auto const* id = call.body.if_contains("id"); id && id->is_string())
            out.platform_ref = std::string{id->get_string()};
        return out;
    }
    out.error = call.error;
    out.retry_after = call.retry_after;
    out.what = call.retryable() ? send_outcome::kind::retry : send_outcome::kind::failed;
    // No answer, or a gateway's: the activity may have been posted. Teams cannot be
    // asked (a bot cannot read a channel's messages), so it is sent again.
    out.in_doubt = call.transport_failed || call.http_status >= 500;
    out.rate_limited = is_rate_limit(call.http_status, out.retry_after);
    return out;
}

// A reply's text as a card: its first line bold, the rest as it came.
json::object reply_card(const outbound_message& m)
{
    commands::reply r = commands::reply::info(m.text);
    return teams_reply_card(r);
}
}  // namespace

std::pair<send_outcome, std::optional<conversation_ref>> teams_sender::open_chat(const std::string& user,
                                                                               const std::string& tenant)
{
    auto const refused = [](std::string why) {
        return std::pair{send_outcome{send_outcome::kind::failed, "", std::nullopt, std::move(why)},
                         std::optional<conversation_ref>{}};
    };
    // `a_person_must_act`: like Slack's not_in_channel, tried max_attempts times, then failed.
    auto const later = [](std::string why, bool a_person_must_act = false) {
        send_outcome out{send_outcome::kind::retry, "", std::nullopt, std::move(why)};
        out.gives_up = a_person_must_act;
        return std::pair{std::move(out), std::optional<conversation_ref>{}};
    };
    if (tenant.empty())
        return refused("direct messages on Teams need [team] teams_tenant, the tenant the leads are in");
    // New conversations are opened through the service URL of a conversation the bot
    // already has in that tenant (the agents' channel, say); none yet is fixable.
    auto home = memory_.any_conversation_in(platform::teams, tenant);
    if (!home)
        return later("cannot read conversation references");
    if (!home->has_value())
        return later("no Teams conversation in tenant " + tenant +
                     " is known yet: add the bot to one of the team's channels, or message it once", true);
    auto const call = connector_->open_personal_chat((*home)->service_url, tenant, user);
    auto const* id = call.body.if_contains("id");
    if (!call.ok || id == nullptr || !id->is_string() || id->get_string().empty()) {
        auto out = outcome_of(call);
        out.in_doubt = false;   // nothing was posted: opening a chat only finds or makes it
        if (call.ok) {          // accepted, but no conversation id came back
            out = {send_outcome::kind::retry, "", std::nullopt, "invalid_response"};
        } else if (call.http_status == 403 || call.http_status == 404) {
            // Teams refuses a chat with someone who does not have the app: a person can
            // fix it, like Slack's not_in_channel.
            out.what = send_outcome::kind::retry;
            out.gives_up = true;
            out.error = "cannot open a chat with " + user + " (" + call.error +
                        "): install the app for them, or add them to a team that has it";
        }
        return {out, std::nullopt};
    }
    conversation_ref chat{(*home)->service_url, std::string{id->get_string()}, tenant, clock_.now()};
    // Not fatal if it cannot be stored: the next message opens the same chat again.
    (void)memory_.remember_conversation(platform::teams, user, chat);
    return {send_outcome{}, std::move(chat)};
}

teams_sender::teams_sender(teams_connector* connector, http_client& client, bot::chat_memory& memory,
                           const desk_state& desk, const bot::clock& clock)
    : connector_(connector), client_(client), memory_(memory), desk_(desk), clock_(clock)
{
}

send_outcome teams_sender::send(const outbound_message& m, const case_record* c, wall_time)
{
    auto const desk = desk_.get();
    auto reference = memory_.find_conversation(platform::teams, m.to.channel);
    if (!reference)
        return {send_outcome::kind::retry, "", std::nullopt, "cannot read conversation references"};
    if (m.to.direct && !connector_)
        return {send_outcome::kind::failed, "", std::nullopt,
                "direct messages on Teams need the Bot Framework app (TEAMS_APP_ID and TEAMS_APP_PASSWORD)"};
    if (m.to.direct && !reference->has_value()) {
        // The first direct message to this person: open the chat, remember it as the
        // person's conversation, then send as to any conversation the bot knows.
        auto opened = open_chat(m.to.channel, desk->people.team().teams_tenant);
        if (!opened.second)
            return opened.first;
        *reference = std::move(opened.second);
    }
    bool const via_bot = connector_ && reference->has_value();
    bool const is_card = (m.kind == "case_card" || m.kind == "card_update") && c;

    json::object card;
    if (is_card)
        card = teams_case_card(*c, clock_.now(), desk->rules, desk->people, via_bot);
    else if (m.kind == "reply")
        card = reply_card(m);
    else
        card = teams_notice_card(m);
    auto const fallback = is_card ? "#" + std::to_string(c->id) + " " + c->title : std::string{utf8_prefix(m.text, 200)};

    if (via_bot) {
        auto const& ref = **reference;
        auto const activity = teams_card_activity(card, fallback);
        if (m.kind == "card_update") {
            if (!c || c->card_ref.empty())
                return {send_outcome::kind::delivered, "", std::nullopt, "no card to refresh"};
            auto const conversation =
                c->origin.thread.empty() ? ref.conversation_id : ref.conversation_id + ";messageid=" + c->origin.thread;
            return outcome_of(connector_->update(ref.service_url, conversation, c->card_ref, activity));
        }
        if (!m.to.thread.empty())
            return outcome_of(connector_->reply(ref.service_url, ref.conversation_id, m.to.thread, activity));
        return outcome_of(connector_->send(ref.service_url, ref.conversation_id, activity));
    }

    auto const* link = desk->people.channel(platform::teams, m.to.channel);
    if (!link || link->workflows_url.empty())
        return {send_outcome::kind::failed, "", std::nullopt,
                "no way to post to this Teams channel: the bot has not been added there and it has no workflows_url"};
    // A Workflows post cannot be edited: the next notice carries the news instead.
    if (m.kind == "card_update")
        return {send_outcome::kind::delivered, "", std::nullopt, "Workflows posts cannot be edited"};
    return outcome_of(post_workflow(client_, link->workflows_url, workflow_payload(card)));
}

}  // namespace bot::webhooks
