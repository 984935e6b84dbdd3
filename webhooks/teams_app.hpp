#pragma once
// The Teams endpoints. POST /teams/webhook is the outgoing webhook (the quick
// way in): verified by its HMAC, answered synchronously with a card inside
// Teams' 5-second limit. POST /teams/messages is the Bot Framework bot: verified
// by the Bot Connector's JWT, answered through the connector API via the outbox.
// Both run the same command language as Slack, on the same queue.
#include "bot/case_store.hpp"
#include "bot/chat_memory.hpp"
#include "bot/clock.hpp"
#include "commands/dispatcher.hpp"
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

class bot_framework_auth;
struct teams_activity_in;
struct teams_mention;

class teams_app {
public:
    struct deps {
        bot::case_store& cases;
        bot::chat_memory& memory;
        const bot::clock& clock;
        const desk_state& desk;
        boost::asio::any_io_executor pool;
        boost::asio::any_io_executor timers;
        bot_framework_auth* auth = nullptr;      // null: /teams/messages refuses everything
        std::function<void()> wake_delivery;
        std::shared_ptr<spdlog::logger> log;
        std::chrono::milliseconds budget{4500};  // Teams waits 5 s for an outgoing webhook
    };

    explicit teams_app(deps d);

    // For requests whose path starts with /teams/.
    void handle(request&& req, responder respond);

private:
    void on_webhook(request&& req, const std::shared_ptr<const desk_snapshot>& desk, responder respond);
    void on_bot_message(request&& req, const std::shared_ptr<const desk_snapshot>& desk, responder respond);

    // Runs what the person typed (or pressed): a command, or a new case from a
    // customer's words; a refusal for someone it cannot tell. Nothing for a retry of an
    // activity already acted on (the first delivery did the work and answered).
    std::optional<commands::reply> act(const desk_snapshot& desk, const teams_activity_in& a);
    std::optional<bot::actor> identify(const desk_snapshot& desk, const teams_activity_in& a);
    // What mention `m` of activity `a` becomes in the command's text (see strip_teams_markup).
    static std::optional<std::string> mentioned(const desk_snapshot& desk, const teams_activity_in& a,
                                                const teams_mention& m);
    // Queues `r` for the activity's thread, unless it opened or changed a case, whose own
    // notices tell the thread. `purpose` tells this answer's retries from others' ("reply").
    // False when it could not be queued.
    bool tell_thread(const teams_activity_in& a, const commands::reply& r, std::string_view purpose);

    deps d_;
    commands::dispatcher dispatch_;
};

}  // namespace bot::webhooks
