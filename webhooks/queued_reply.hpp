#pragma once
// An answer that cannot go back in the HTTP response (a mention, a late command, a
// retry's look-up) goes to its conversation through the outbox, like every other post.
#include "bot/case_store.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace spdlog {
class logger;
}

namespace bot::webhooks {

// Queues `text` for `to` once per `dedupe_key` (the platform's retry of the same event
// queues nothing again) and wakes the delivery worker. False when the store failed
// (logged).
bool queue_reply(bot::case_store& cases, bot::destination to, std::string text, std::string_view dedupe_key,
                 spdlog::logger& log, const std::function<void()>& wake_delivery);

}  // namespace bot::webhooks
