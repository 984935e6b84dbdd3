#include "bot/change_messages.hpp"

namespace bot {

stored_change with_messages(case_change change, const directory& people)
{
    stored_change out;
    out.expected_version = change.expected_version;
    for (auto const& n : change.notices)
        for (auto& m : people.route(n, change.after))
            out.messages.push_back(std::move(m));
    // Platforms that can edit a posted message keep the case card current.
    auto const where = change.after.origin.where;
    if (change.expected_version != 0 && (where == platform::slack || where == platform::teams)) {
        outbound_message card;
        card.case_ref = change.after.id;
        card.kind = "card_update";
        card.to = destination{where, change.after.origin.channel, change.after.origin.thread, true, false, {}};
        out.messages.push_back(std::move(card));
    }
    out.after = std::move(change.after);
    out.events = std::move(change.events);
    return out;
}

}  // namespace bot
