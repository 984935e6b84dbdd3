#include "webhooks/queued_reply.hpp"

#include <spdlog/spdlog.h>

#include <span>

namespace bot::webhooks {

bool queue_reply(bot::case_store& cases, bot::destination to, std::string text, std::string_view dedupe_key,
                 spdlog::logger& log, const std::function<void()>& wake_delivery)
{
    outbound_message m;
    m.kind = "reply";
    m.to = std::move(to);
    m.text = std::move(text);
    auto const queued = cases.enqueue(std::span{&m, 1}, dedupe_key);
    if (!queued && queued.error() != errc::duplicate) {
        log.error("{}: cannot queue a reply: {}", to_string(m.to.where), queued.error().message());
        return false;
    }
    if (wake_delivery)
        wake_delivery();
    return true;
}

}  // namespace bot::webhooks
