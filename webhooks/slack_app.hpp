#pragma once
// The Slack app: /slack/commands, /slack/events and /slack/interactions.
// Every request is verified (v0 signature, five-minute window) before anything
// else; unsigned, forged or stale ones get 401 and change nothing; malformed ones
// 400. Slash commands, buttons and forms run in command batches (one store
// transaction for many), events on a pool (they may call Slack), all within Slack's
// 3-second budget; a late slash command is acknowledged and its answer follows
// through response_url.
#include "bot/case_store.hpp"
#include "bot/chat_memory.hpp"
#include "bot/clock.hpp"
#include "commands/dispatcher.hpp"
#include "webhooks/budget.hpp"
#include "webhooks/desk.hpp"
#include "webhooks/http_server.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace spdlog {
class logger;
}

namespace bot::webhooks {

class answer_deadlines;
class command_batches;
class slack_api;
struct slack_event;

class slack_app {
public:
    struct deps {
        bot::case_store& cases;
        bot::chat_memory& memory;
        const bot::clock& clock;
        const desk_state& desk;
        boost::asio::any_io_executor pool;       // runs events and Slack API calls (lookups, views.open, response_url)
        boost::asio::any_io_executor timers;     // events' budgets
        command_batches& commands;               // runs slash commands, buttons and forms
        answer_deadlines& deadlines;             // their budgets (Slack's 3 s)
        slack_api* api = nullptr;                // views.open, lookups, response_url; null: none
        std::function<void()> wake_delivery;     // messages were enqueued
        std::shared_ptr<spdlog::logger> log;
        std::chrono::milliseconds budget{2500};  // answer Slack's events within this
    };

    explicit slack_app(deps d);

    // For requests whose path starts with /slack/.
    void handle(request&& req, responder respond);

    // Synchronous parts, exposed for tests: what a verified event does.
    // Returns false when storage failed (Slack should retry).
    bool handle_event(const slack_event& e);

private:
    void on_interaction(const request& req, const std::shared_ptr<const desk_snapshot>& desk, responder respond);

    struct event_context;
    bool on_message(event_context& ec);
    bool on_mention(event_context& ec);
    bool on_reaction(event_context& ec);
    bool open_from_message(event_context& ec, const bot::actor& author, std::string_view text, std::string_view ts);
    bool run_and_reply(event_context& ec, const bot::actor& who, std::string_view text, std::string_view thread);
    bool tell(const std::string& channel, const std::string& thread, const std::string& user, const std::string& text,
              const std::string& dedupe_key);

    // Runs `plan` in a command batch within Slack's budget.
    void run_command(budget_plan plan, responder respond);

    std::optional<bot::actor> identify(const desk_snapshot& desk, const std::string& user, const std::string& team_hint,
                                       const std::string& channel, bool may_look_up);
    void remember_team(const std::string& user, const std::string& team, wall_time now);

    deps d_;
    commands::dispatcher dispatch_;
};

}  // namespace bot::webhooks
