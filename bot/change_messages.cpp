#include "bot/change_messages.hpp"

namespace bot {

stored_change with_messages(case_change change, const directory& people)
{
    stored_change out;
    out.expected_version = change.expected_version;
    for (auto const& n : change.notices)
        for (auto& m : people.route(n, change.after))
            out.messages.push_back(std::move(m));
    out.after = std::move(change.after);
    out.events = std::move(change.events);
    return out;
}

}  // namespace bot
