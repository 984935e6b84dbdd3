#include "webhooks/teams_app.hpp"

#include "bot/utf8.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"
#include "webhooks/bot_framework_auth.hpp"
#include "webhooks/budget.hpp"
#include "webhooks/http_responses.hpp"
#include "webhooks/queued_reply.hpp"
#include "webhooks/signature.hpp"
#include "webhooks/teams_payloads.hpp"
#include "webhooks/teams_render.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace bot::webhooks {
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {
constexpr std::size_t max_title = 200;

std::string header(const request& req, http::field name)
{
    auto it = req.find(name);
    return it == req.end() ? std::string{} : std::string{it->value()};
}

std::string json_text(const json::object& o, std::string_view key)
{
    auto const* v = o.if_contains(key);
    if (!v)
        return {};
    if (v->is_string())
        return std::string{v->get_string()};
    if (v->is_int64())
        return std::to_string(v->get_int64());
    return {};
}

// A card button's data as a line of the command language.
std::optional<std::string> command_of_button(const json::object& value)
{
    auto const action = json_text(value, teams_action_key);
    auto const id = json_text(value, "case");
    if (action.empty() || id.empty())
        return std::nullopt;
    if (action == "claim" || action == "ack" || action == "resolve")
        return action + " " + id;
    if (action == "severity")
        return "severity " + id + " " + json_text(value, "severity") + " " + json_text(value, "reason");
    return std::nullopt;
}

// What a retried activity is recognised by. Teams' activity ids are the message's
// time in milliseconds, so two channels can share one: the channel goes with it.
std::string dedupe_key(const teams_activity_in& a)
{
    return "teams:" + a.channel + ":" + a.id;
}
}  // namespace

teams_app::teams_app(deps d) : d_(std::move(d)), dispatch_(commands::register_all())
{
    if (!d_.log)
        d_.log = spdlog::default_logger();
}

std::optional<bot::actor> teams_app::identify(const desk_snapshot& desk, const teams_activity_in& a)
{
    // People may be configured by their Teams id (29:…) or their Entra object id.
    auto const& user = !a.from_aad.empty() && desk.people.person_on(platform::teams, a.from_aad) ? a.from_aad
                                                                                                  : a.from_id;
    auto who = desk.people.identify(platform::teams, user, a.tenant_id, a.channel);
    if (who && !a.from_name.empty() && who->name == user)
        who->name = a.from_name;
    return who;
}

std::optional<std::string> teams_app::mentioned(const desk_snapshot& desk, const teams_activity_in& a,
                                                const teams_mention& m)
{
    if (m.id.empty() || m.id == a.recipient_id)
        return std::nullopt;
    // Someone on the configuration, by their Teams id or Entra object id: the name
    // commands know them by, so "assign 5 @Raj" works as it does in Slack.
    for (auto const& user : {m.id, m.aad})
        if (auto const* p = desk.people.person_on(platform::teams, user))
            return "@" + p->id;
    // Another person stays in the text as the name Teams showed. A bot (28:…), the
    // outgoing webhook's own name among them, is dropped.
    if (m.id.starts_with("29:") && !m.name.empty())
        return "@" + m.name;
    return std::nullopt;
}

void teams_app::handle(request&& req, responder respond)
{
    auto const desk = d_.desk.get();
    auto const path = std::string{req.target().substr(0, req.target().find('?'))};
    if (path != "/teams/webhook" && path != "/teams/messages")
        return respond(text_response(http::status::not_found, "no such endpoint\n"));
    if (req.method() != http::verb::post)
        return respond(method_not_allowed("POST"));
    if (path == "/teams/webhook")
        return on_webhook(std::move(req), desk, std::move(respond));
    on_bot_message(std::move(req), desk, std::move(respond));
}

std::optional<commands::reply> teams_app::act(const desk_snapshot& desk, const teams_activity_in& a)
{
    auto const who = identify(desk, a);
    if (!who)
        return commands::reply::refusal("I can't tell who you are here: this channel is not linked to a customer "
                                        "and you are not on the support team.");
    // A top-level message that already opened a case (its thread is the case's): a
    // retry, recognised before it takes a case number it would not use.
    if (a.thread_root == a.id) {
        auto const existing = d_.cases.find_by_thread(platform::teams, a.channel, a.thread_root);
        if (existing && *existing)
            return std::nullopt;
    }
    commands::invocation in;
    in.who = *who;
    in.where = platform::teams;
    in.channel = a.channel;
    in.thread = a.thread_root;
    // Everyone in a Teams channel sees every answer: in a customer's channel only that
    // customer's cases may come up, whoever asks.
    in.scope_customer = desk.people.answers_shown_to(platform::teams, a.channel);
    commands::context ctx{d_.cases, d_.clock, desk.rules, desk.people, desk.vendor, dedupe_key(a)};

    auto text = strip_teams_markup(a.text, a.mentions, [&](const teams_mention& m) { return mentioned(desk, a, m); });
    if (auto pressed = command_of_button(a.value)) {
        text = *pressed;
        in.pressed = true;
    }
    if (text.empty())
        text = "help";
    bool const is_command = std::holds_alternative<commands::command>(commands::parse_command(text)) &&
                            (in.pressed || !commands::names_a_case_unseen(d_.cases, text, *who));
    result<commands::reply> out = commands::reply::info("");
    if (!is_command && !who->is_staff()) {
        // A customer's own words open a case, as a top-level message does in Slack.
        commands::command cmd;
        cmd.what = commands::verb::new_case;
        cmd.text = text.substr(0, text.find('\n')).substr(0, max_title * 4);
        in.description = text;
        out = commands::new_case(cmd, in, ctx);
    } else {
        out = dispatch_.run(text, in, ctx);
    }
    if (!out) {
        if (out.error() == errc::duplicate)
            return std::nullopt;
        d_.log->error("teams: command failed: {}", out.error().message());
        return commands::apology(out.error());
    }
    if (d_.wake_delivery)
        d_.wake_delivery();
    return *out;
}

bool teams_app::tell_thread(const teams_activity_in& a, const commands::reply& r, std::string_view purpose)
{
    if (r.kind == commands::reply_kind::ok && r.case_ref)
        return true;
    return queue_reply(d_.cases, destination{platform::teams, a.channel, a.thread_root, false, false, {}},
                       r.text_with_fields(), dedupe_key(a) + ":" + std::string{purpose}, *d_.log, d_.wake_delivery);
}

void teams_app::on_webhook(request&& req, const std::shared_ptr<const desk_snapshot>& desk, responder respond)
{
    // Teams gives each team's outgoing webhook a token of its own: the channel the body
    // names says which must have signed it (its own, else the one for every channel), so
    // a team's token cannot speak for another team's channel. Nothing else of the body is
    // used before the check; a body too broken to name a channel is checked with the
    // token for every channel.
    auto decoded = decode_teams_activity(req.body());
    auto const channel = decoded.value ? decoded.value->channel : std::string{};
    auto const* link = channel.empty() ? nullptr : desk->people.channel(platform::teams, channel);
    auto const& secret = link && !link->webhook_secret.empty() ? link->webhook_secret : desk->teams_webhook_secret;
    if (secret.empty()) {
        d_.log->error("teams: outgoing webhook refused: no security token is configured for channel '{}' (its "
                      "webhook_secret, or TEAMS_WEBHOOK_SECRET)",
                      channel);
        return respond(empty_response(http::status::unauthorized));
    }
    auto const check = verify_teams_signature(secret, header(req, http::field::authorization), req.body());
    if (check != signature_check::valid) {
        d_.log->warn("teams: {} HMAC on /teams/webhook for channel '{}': refused", to_string(check), channel);
        return respond(empty_response(http::status::unauthorized));
    }
    if (!decoded.value)
        return respond(text_response(http::status::bad_request, decoded.problem + "\n"));
    auto a = std::move(*decoded.value);
    if (a.type != "message")   // an outgoing webhook is only ever called for a message
        return respond(text_response(http::status::ok, ""));
    // What the command answered, for follow_up when it came too late for Teams.
    auto const answered = std::make_shared<std::optional<commands::reply>>();
    run_within_budget(
        d_.pool, d_.timers, d_.budget,
        {[this, desk, a, answered] {
             auto const acted = act(*desk, a);
             if (acted)
                 *answered = acted;   // a retry's "Already done." is for this answer only
             // A retry of a request already answered: the answer was lost on the way.
             auto const r = acted ? *acted : commands::reply::info("Already done.");
             // A case just opened answers with its card; everything else with the reply.
             json::object card = teams_reply_card(r);
             if (r.case_ref && r.kind == commands::reply_kind::ok && !r.fields.empty())
                 if (auto c = d_.cases.find(*r.case_ref); c && *c) {
                     card = teams_case_card(**c, d_.clock.now(), desk->rules, desk->people, false);
                     card.at("body").as_array().insert(card.at("body").as_array().begin(),
                                                       json::object{{"type", "TextBlock"}, {"text", r.text},
                                                                    {"wrap", true}});
                 }
             return json_response(http::status::ok,
                                  teams_card_activity(card, std::string{utf8_prefix(r.text, 200)}));
         },
         [] {
             return json_response(http::status::ok,
                                  teams_card_activity(teams_reply_card(commands::reply::info("Working on it…")),
                                                      "Working on it…"));
         },
         // Teams took "Working on it…" and an outgoing webhook cannot answer twice: the
         // answer goes to the thread through the outbox (Workflows or the bot).
         [this, a, answered](response) {
             if (*answered)
                 (void)tell_thread(a, **answered, "late");
         }},
        std::move(respond));
}

void teams_app::on_bot_message(request&& req, const std::shared_ptr<const desk_snapshot>& desk, responder respond)
{
    if (!d_.auth) {
        d_.log->error("teams: /teams/messages refused: the Bot Framework app is not configured (TEAMS_APP_ID)");
        return respond(empty_response(http::status::unauthorized));
    }
    auto authorization = header(req, http::field::authorization);
    // Without a token there is nothing to check: refused before the body is looked at.
    if (!authorization.starts_with("Bearer ")) {
        d_.log->warn("teams: /teams/messages without a Bearer token: refused");
        return respond(empty_response(http::status::unauthorized));
    }
    auto decoded = decode_teams_activity(req.body());
    if (!decoded.value)
        return respond(text_response(http::status::bad_request, decoded.problem + "\n"));
    auto a = std::move(*decoded.value);
    // Set once the token checked out: until then the budget's stand-in may not say 200.
    auto const authenticated = std::make_shared<std::atomic<bool>>(false);
    run_within_budget(
        d_.pool, d_.timers, d_.budget,
        {[this, desk, a, authorization, authenticated]() -> response {
             // The keys may need fetching: this runs on the pool, not a server thread.
             auto const checked = d_.auth->validate(authorization, a.channel_id, a.service_url);
             if (!checked.valid) {
                 d_.log->warn("teams: Bot Framework token refused: {}", checked.problem);
                 return empty_response(http::status::unauthorized);
             }
             authenticated->store(true);
             auto const base = a.conversation_id.substr(0, a.conversation_id.find(";messageid="));
             (void)d_.memory.remember_conversation(platform::teams, a.channel,
                                                   conversation_ref{a.service_url, base, a.tenant_id, d_.clock.now()});
             if (a.type != "message")
                 return text_response(http::status::ok, "");
             // Nothing to tell for a retry: the first delivery did the work and told the thread.
             auto const acted = act(*desk, a);
             if (acted && !tell_thread(a, *acted, "reply"))
                 return text_response(http::status::internal_server_error, "try again\n");
             return text_response(http::status::ok, "");
         },
         [authenticated] {
             // Still fetching the keys: a forged request must not be acknowledged, and a
             // genuine one is sent again by the Bot Framework (a retry is recognised).
             if (!authenticated->load())
                 return text_response(http::status::service_unavailable, "the token could not be checked in time\n");
             return text_response(http::status::ok, "");
         },
         {}},
        std::move(respond));
}

}  // namespace bot::webhooks
