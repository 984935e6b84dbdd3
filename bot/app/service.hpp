#pragma once
// The running bot: the HTTP server with the Slack (and Teams) endpoints, the
// worker pool that runs commands, the scheduler on its tick, and the delivery
// worker draining the outbox. `casebot serve` runs one until a signal; the demo
// and the integration tests run one in-process with a clock they set.
#include "config/settings.hpp"
#include "store/sqlite_store.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace spdlog {
class logger;
}

namespace bot::app {

struct service_options {
    bool scheduler_on_tick = true;   // false: passes run only through run_scheduler_now()
    // Messages per channel before pacing holds them (Slack: about one a second). Tests
    // and the demo, whose clock jumps, raise it.
    int channel_burst = 3;
    std::chrono::milliseconds budget{2500};   // answer a webhook within this (Slack allows 3 s)
    std::chrono::milliseconds teams_budget{4500};   // answer a Teams webhook within this (Teams allows 5 s)
};

class service {
public:
    // Opens the database, writes the configured customers into it and prepares
    // everything; nothing listens yet. Throws startup_error.
    service(config::settings s, const bot::clock& clock, std::shared_ptr<spdlog::logger> log,
            service_options options = {});
    ~service();
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    // Binds (throws std::system_error) and starts every worker.
    void start();
    boost::asio::ip::tcp::endpoint endpoint() const;

    // One scheduler pass as of the clock's now; wakes the delivery worker. Returns the
    // number of cases whose alarms were recorded.
    std::size_t run_scheduler_now();

    // Delivers whatever is due right now (the demo and tests, instead of waiting).
    void deliver_now();

    // New customers, channels, people and rules (SIGHUP). In-flight requests finish on
    // the snapshot they started with. Throws startup_error when the database refuses.
    void reload(config::settings s);

    // Graceful: stops accepting, finishes in-flight requests, stops the scheduler,
    // then lets the delivery worker send what is due. Idempotent.
    void stop();

    store::sqlite_store& store();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// "127.0.0.1:8080", "[::1]:8080", ":8080" (all addresses) → host and port; throws
// std::invalid_argument.
std::pair<std::string, unsigned short> parse_listen(const std::string& text);

}  // namespace bot::app
