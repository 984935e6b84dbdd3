#include "webhooks/slack_app.hpp"

#include "commands/case_command.hpp"
#include "commands/handlers.hpp"
#include "webhooks/command_batches.hpp"
#include "webhooks/form.hpp"
#include "webhooks/http_responses.hpp"
#include "webhooks/json_fields.hpp"
#include "webhooks/queued_reply.hpp"
#include "webhooks/signature.hpp"
#include "webhooks/slack_api.hpp"
#include "webhooks/slack_payloads.hpp"
#include "webhooks/slack_render.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

namespace bot::webhooks {
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {
std::string header(const request& req, std::string_view name)
{
    auto it = req.find(name);
    return it == req.end() ? std::string{} : std::string{it->value()};
}

json::object parse_metadata(std::string_view text)
{
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object())
        return {};
    return std::move(v.get_object());
}

response view_errors(std::string_view block, std::string message)
{
    json::object body{{"response_action", "errors"}, {"errors", json::object{{block, std::move(message)}}}};
    return json_response(http::status::ok, body);
}

// A command's refusal under a form's field (reply::sentence(): no usage line).
response view_errors(std::string_view block, const commands::reply& r)
{
    return view_errors(block, r.sentence());
}
}  // namespace

slack_app::slack_app(deps d) : d_(std::move(d)), dispatch_(commands::register_all())
{
    if (!d_.log)
        d_.log = spdlog::default_logger();
}

// Called on I/O threads, which must never wait for a write (it could wait behind a
// command batch's commit, and every connection of the thread with it): a sighting
// that memory does not already know is stored from the pool.
void slack_app::remember_team(const std::string& user, const std::string& team, wall_time now)
{
    if (d_.memory.remembers_user_team(platform::slack, user, team, now))
        return;
    boost::asio::post(d_.pool, [this, user, team, now] {
        if (auto stored = d_.memory.remember_user_team(platform::slack, user, team, now); !stored)
            d_.log->warn("slack: cannot remember the team of {}: {}", user, stored.error().message());
    });
}

std::optional<bot::actor> slack_app::identify(const desk_snapshot& desk, const std::string& user,
                                              const std::string& team_hint, const std::string& channel,
                                              bool may_look_up)
{
    std::string team = team_hint;
    auto const now = d_.clock.now();
    if (!team.empty()) {
        remember_team(user, team, now);
    } else if (auto known = d_.memory.user_team(platform::slack, user); known && *known) {
        team = **known;
    } else if (may_look_up && d_.api && !desk.people.person_on(platform::slack, user)) {
        // Reactions do not say which team the user is on; Slack Connect needs it.
        auto looked_up = d_.api->user_team(user);
        if (looked_up.value) {
            team = *looked_up.value;
            remember_team(user, team, now);
        }
    }
    return desk.people.identify(platform::slack, user, team, channel);
}

void slack_app::handle(request&& req, responder respond)
{
    auto const desk = d_.desk.get();
    auto const path = std::string{req.target().substr(0, req.target().find('?'))};
    if (path != "/slack/commands" && path != "/slack/events" && path != "/slack/interactions")
        return respond(text_response(http::status::not_found, "no such endpoint\n"));
    if (req.method() != http::verb::post)
        return respond(method_not_allowed("POST"));

    // Slack checks a new Request URL with an unsigned form post carrying ssl_check=1.
    if (path == "/slack/commands" && req.body().find("ssl_check=1") != std::string::npos)
        if (auto f = parse_form(req.body()); f && field(*f, "ssl_check") == "1")
            return respond(text_response(http::status::ok, ""));

    if (desk->slack_signing_secret.empty()) {
        d_.log->error("slack: request refused: no signing secret is configured (SLACK_SIGNING_SECRET)");
        return respond(empty_response(http::status::unauthorized));
    }
    auto const check = verify_slack_signature(desk->slack_signing_secret, header(req, "X-Slack-Request-Timestamp"),
                                              header(req, "X-Slack-Signature"), req.body(), d_.clock.now());
    if (check != signature_check::valid) {
        // What an operator setting up the app can do about it.
        std::string_view const hint =
            check == signature_check::mismatch
                ? " (if Slack's own requests are refused, SLACK_SIGNING_SECRET is not the app's Signing Secret: "
                  "Basic Information → App Credentials; not the Client Secret or the Verification Token)"
            : check == signature_check::stale ? " (more than 5 minutes from this host's clock: is the clock right?)"
                                              : "";
        d_.log->warn("slack: {} signature on {}: refused{}", to_string(check), path, hint);
        return respond(empty_response(http::status::unauthorized));
    }

    if (path == "/slack/interactions")
        return on_interaction(req, desk, std::move(respond));

    if (path == "/slack/events") {
        auto payload = decode_events(req.body());
        if (!payload.value)
            return respond(text_response(http::status::bad_request, payload.problem + "\n"));
        if (auto const* v = std::get_if<url_verification>(&*payload.value))
            return respond(text_response(http::status::ok, v->challenge));
        auto const* e = std::get_if<slack_event>(&*payload.value);
        if (!e)
            return respond(text_response(http::status::ok, ""));
        auto event = *e;
        run_within_budget(d_.pool, d_.timers, d_.budget,
                          {[this, event] {
                               // A storage failure answers 500: Slack retries, and the
                               // event key makes the retry safe.
                               return handle_event(event) ? text_response(http::status::ok, "")
                                                          : text_response(http::status::internal_server_error,
                                                                          "try again\n");
                           },
                           // Not done within Slack's budget (a busy database): it may still
                           // fail, and then nothing would tell the customer. A 500 has Slack
                           // send the event again; if this attempt did finish, the retry
                           // finds its event key and changes nothing.
                           [] { return text_response(http::status::internal_server_error, "still working; retry\n"); },
                           {}},
                          std::move(respond));
        return;
    }

    auto decoded_command = decode_slash_command(req.body());
    if (!decoded_command.value)
        return respond(text_response(http::status::bad_request, decoded_command.problem + "\n"));
    auto cmd = std::move(*decoded_command.value);
    auto who = identify(*desk, cmd.user_id, cmd.team_id, cmd.channel_id, false);
    if (!who) {
        d_.log->warn("slack: /case from {} of team {} in channel {} refused: that channel is no customer's "
                     "([[customers.channels]] id) and the team is not ours ([team] slack_team) nor a customer's "
                     "([[customers]] slack_teams)",
                     cmd.user_id, cmd.team_id, cmd.channel_id);
        return respond(json_response(
            http::status::ok,
            slack_reply(commands::reply::refusal("I can't tell who you are here: this channel is not linked to a "
                                                 "customer and you are not on the support team."))));
    }

    // `/case` alone opens the form to file a case.
    auto const text = std::string_view{cmd.text}.substr(std::min(cmd.text.find_first_not_of(" \t\n"), cmd.text.size()));
    if (text.empty()) {
        if (!d_.api)
            return respond(json_response(http::status::ok, slack_reply(commands::reply::usage(
                                                                  "Say what to do.", "/case help"))));
        boost::asio::post(d_.pool, [this, trigger = cmd.trigger_id, channel = cmd.channel_id,
                                    response_url = cmd.response_url] {
            auto opened = d_.api->open_view(trigger, new_case_modal(channel, ""));
            if (opened.ok)
                return;
            d_.log->warn("slack: views.open failed: {}", opened.error);
            // The caller saw nothing happen: say so, and how to file the case without the form.
            if (!response_url.empty())
                (void)d_.api->post_json(
                    response_url,
                    slack_reply(commands::reply::usage("I could not open the form (Slack said " + opened.error +
                                                           "). Try `/case` again, or file the case in one line:",
                                                       "/case new [critical|normal|low] [error|question] <title>")));
        });
        return respond(text_response(http::status::ok, ""));
    }

    auto work = [this, desk, cmd, who = *who] {
        commands::invocation in;
        in.who = who;
        in.where = platform::slack;
        in.channel = cmd.channel_id;
        commands::context ctx{d_.cases, d_.clock, desk->rules, desk->people, desk->vendor};
        auto out = dispatch_.run(cmd.text, in, ctx);
        if (!out)
            d_.log->error("slack: /case failed: {}", out.error().message());
        return json_response(http::status::ok, slack_reply(out ? *out : commands::apology(out.error())));
    };
    auto follow_up = [this, url = cmd.response_url](response late) {
        if (!d_.api || url.empty())
            return;
        boost::system::error_code ec;
        auto body = json::parse(late.body(), ec);
        if (ec || !body.is_object())
            return;
        // Called from the command batch: the post goes out from the pool.
        boost::asio::post(d_.pool, [this, url, body = std::move(body)] {
            auto sent = d_.api->post_json(url, body.get_object());
            if (!sent.ok)
                d_.log->warn("slack: response_url post failed: {}", sent.error);
        });
    };
    run_command({std::move(work),
                 [] { return json_response(http::status::ok, slack_reply(commands::reply::info("Working on it…"))); },
                 std::move(follow_up)},
                std::move(respond));
}

void slack_app::run_command(budget_plan plan, responder respond)
{
    run_within_budget(
        d_.deadlines,
        [this](std::function<response()> work, std::function<void(response)> done) {
            d_.commands.submit(std::move(work), std::move(done));
        },
        std::move(plan), std::move(respond));
}

void slack_app::on_interaction(const request& req, const std::shared_ptr<const desk_snapshot>& desk,
                               responder respond)
{
    auto decoded = decode_interaction(req.body());
    if (!decoded.value)
        return respond(text_response(http::status::bad_request, decoded.problem + "\n"));
    auto const now_ok = [] { return text_response(http::status::ok, ""); };

    if (auto const* a = std::get_if<block_action>(&*decoded.value)) {
        auto action = *a;
        if (action.action_id == severity_action) {
            // "42:critical": ask for the reason in a modal; the submission changes it.
            auto const colon = action.value.find(':');
            auto const level = parse_severity(std::string_view{action.value}.substr(colon + 1));
            if (colon == std::string::npos || !level || !d_.api)
                return respond(now_ok());
            case_id id = 0;
            try {
                id = std::stoll(action.value.substr(0, colon));
            } catch (const std::exception&) {
                return respond(text_response(http::status::bad_request, "bad severity choice\n"));
            }
            boost::asio::post(d_.pool, [this, action, id, level = *level] {
                auto opened = d_.api->open_view(action.trigger_id, severity_modal(id, level, action.channel_id));
                if (!opened.ok)
                    d_.log->warn("slack: views.open failed: {}", opened.error);
            });
            return respond(now_ok());
        }
        std::string verb;
        if (action.action_id == claim_action)
            verb = "claim";
        else if (action.action_id == ack_action)
            verb = "ack";
        else if (action.action_id == resolve_action)
            verb = "resolve";
        else
            return respond(now_ok());
        run_command(
            {[this, desk, action, verb] {
                 auto who = identify(*desk, action.user_id, action.user_team, action.channel_id, false);
                 if (!who) {
                     tell(action.channel_id, {}, action.user_id, "I can't tell who you are here.", {});
                     return text_response(http::status::ok, "");
                 }
                 commands::invocation in;
                 in.who = *who;
                 in.where = platform::slack;
                 in.channel = action.channel_id;
                 in.pressed = true;
                 commands::context ctx{d_.cases, d_.clock, desk->rules, desk->people, desk->vendor};
                 auto out = dispatch_.run(verb + " " + action.value, in, ctx);
                 auto const r = out ? *out : commands::apology(out.error());
                 // Slack threads on the root message: a card inside a thread answers in that thread.
                 if (r.kind != commands::reply_kind::ok)
                     tell(action.channel_id, action.thread_ts.empty() ? action.message_ts : action.thread_ts,
                          action.user_id, r.text, {});
                 return text_response(http::status::ok, "");
             },
             now_ok, {}},
            std::move(respond));
        return;
    }

    auto const* v = std::get_if<view_submission>(&*decoded.value);
    if (!v)
        return respond(now_ok());
    auto submission = *v;
    run_command(
        {[this, desk, submission]() -> response {
             auto const meta = parse_metadata(submission.private_metadata);
             auto const channel = json_fields::str(meta, "channel");
             auto who = identify(*desk, submission.user_id, submission.user_team, channel, false);
             auto value = [&](const char* block) {
                 auto it = submission.values.find(block);
                 return it == submission.values.end() ? std::string{} : it->second;
             };
             commands::invocation in;
             in.where = platform::slack;
             in.channel = channel;
             commands::context ctx{d_.cases, d_.clock, desk->rules, desk->people, desk->vendor};
             if (submission.callback_id == new_case_view) {
                 // The channel comes back only in the metadata the form was opened with.
                 if (channel.empty())
                     return view_errors("title", "This form has lost its channel; type /case again in the "
                                                 "customer's channel.");
                 if (!who)
                     return view_errors("title", "This channel is not linked to a customer.");
                 auto const title = value("title");
                 if (title.find_first_not_of(" \t\n") == std::string::npos)
                     return view_errors("title", "Add a title: one line on what is wrong.");
                 commands::command cmd;
                 cmd.what = commands::verb::new_case;
                 cmd.level = parse_severity(value("severity"));
                 cmd.kind = parse_category(value("category"));
                 cmd.text = title;
                 // The form can still be corrected: better than a silent Normal.
                 if (cmd.level == severity::critical && cmd.kind && !may_be_critical(*cmd.kind))
                     return view_errors("severity", "Only a software error can be Critical: choose Error as the "
                                                    "category, or Normal or Low.");
                 in.who = *who;
                 in.thread = json_fields::str(meta, "thread");
                 auto const description = value("description");
                 in.description = description.empty() ? title : title + "\n\n" + description;
                 auto out = commands::new_case(cmd, in, ctx);
                 if (!out)
                     return view_errors("title", commands::apology(out.error()).text);
                 if (out->kind != commands::reply_kind::ok)
                     return view_errors("title", *out);
                 return text_response(http::status::ok, "");
             }
             if (submission.callback_id == severity_view) {
                 if (!who)
                     return view_errors("reason", "I can't tell who you are here.");
                 auto const* id = meta.if_contains("case");
                 auto const level = json_fields::str(meta, "severity");
                 if (!id || !id->is_int64())
                     return view_errors("reason", "This form has lost its case; open it again from the card.");
                 in.who = *who;
                 auto out = dispatch_.run("severity " + std::to_string(id->get_int64()) + " " + level + " " +
                                              value("reason"),
                                          in, ctx);
                 auto const r = out ? *out : commands::apology(out.error());
                 if (r.kind != commands::reply_kind::ok)
                     return view_errors("reason", r);
                 return text_response(http::status::ok, "");
             }
             return text_response(http::status::ok, "");
         },
         now_ok, {}},
        std::move(respond));
}

bool slack_app::tell(const std::string& channel, const std::string& thread, const std::string& user,
                     const std::string& text, const std::string& dedupe_key)
{
    return queue_reply(d_.cases, destination{platform::slack, channel, thread, false, false, user}, text, dedupe_key,
                       *d_.log, d_.wake_delivery);
}

}  // namespace bot::webhooks
