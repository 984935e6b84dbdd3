#include "bot/app/render_text.hpp"

#include <fmt/format.h>

namespace bot::app {

std::string render_reply(const commands::reply& r)
{
    std::string out = r.text;
    for (auto const& f : r.fields)
        out += fmt::format("\n  {}: {}", f.name, f.value);
    return out;
}

std::string render_destination(const destination& to, std::optional<case_id> case_ref)
{
    std::string out = fmt::format("{} {}{}", to_string(to.where), to.direct ? "DM " : "", to.channel);
    if (to.case_thread && case_ref)
        out += fmt::format(" (thread of #{})", *case_ref);
    else if (!to.thread.empty())
        out += fmt::format(" (thread {})", to.thread);
    return out;
}

std::string render_message_text(const outbound_message& m)
{
    if (m.kind == "card_update" && m.text.empty())
        return fmt::format("[the case card of #{} is refreshed]", m.case_ref.value_or(0));
    std::string out;
    for (auto const& who : m.mentions)
        out += "@" + who.name + " ";
    return out + m.text;
}

}  // namespace bot::app
