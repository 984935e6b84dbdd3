#pragma once
// The port through which the delivery worker drains messages that commands and
// the scheduler enqueued. Each message is marked delivered once.
#include "bot/clock.hpp"
#include "bot/errc.hpp"
#include "bot/message.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bot {

enum class delivery_state { pending, delivered, failed };

struct outbox_entry {
    outbound_message message;       // message.id is the outbox row id
    delivery_state state = delivery_state::pending;
    wall_time created_at{};
    int attempts = 0;
    wall_time next_attempt_at{};
    std::string last_error;
    // When an attempt began whose outcome is not known (no answer came: the process
    // stopped mid-send, the connection broke): the platform may have the message.
    std::optional<wall_time> in_doubt_since;
};

class outbox {
public:
    virtual ~outbox() = default;

    // Pending messages whose next attempt is due by `ready_by`, oldest first.
    virtual result<std::vector<outbox_entry>> pending(wall_time ready_by, std::size_t limit) = 0;
    // The head of every channel's queue: for each channel with pending messages, its
    // oldest `per_channel` of them, due or not; all of them oldest first. What the
    // delivery worker reads each round.
    virtual result<std::vector<outbox_entry>> channel_heads(std::size_t per_channel) = 0;
    // An attempt to send the message begins at `at`. Recorded before the send, so that
    // a message whose send was cut short (a crash before its answer was marked) is
    // known to be in doubt; delivered(), failed() and a settled retry_later() clear it.
    virtual result<void> attempting(std::int64_t id, wall_time at) = 0;
    // The platform accepted the message; `platform_ref` is its id there (Slack ts, Teams activity id).
    // When it is a case card posted as the case's thread root, the case learns its thread.
    virtual result<void> delivered(std::int64_t id, wall_time at, std::string_view platform_ref) = 0;
    // A card refresh that found the case's card gone and posted it anew: delivered, and
    // in the same transaction `platform_ref` becomes the case's card (its thread stays).
    virtual result<void> delivered_as_new_card(std::int64_t id, wall_time at, std::string_view platform_ref) = 0;
    // Another attempt at `next_attempt`. `in_doubt`: the failed attempt got no answer,
    // so the platform may have the message after all; otherwise the platform said it
    // did not take it, and the message is no longer in doubt. `counted`: the attempt
    // counts toward max_attempts; one the platform only rate-limited (it said when to
    // come back) does not, so a burst of 429s gives nothing up and grows no backoff.
    virtual result<void> retry_later(std::int64_t id, wall_time next_attempt, std::string_view error, bool in_doubt,
                                     bool counted) = 0;
    virtual result<void> failed(std::int64_t id, wall_time at, std::string_view error) = 0;
};

}  // namespace bot
