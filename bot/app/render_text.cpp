#include "bot/app/render_text.hpp"

#include <fmt/format.h>

namespace bot::app {

std::string for_terminal(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto const c = static_cast<unsigned char>(text[i]);
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
            continue;
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                 static_cast<unsigned char>(text[i + 1]) <= 0x9f)   // U+0080–U+009F
            out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[++i]));
        else
            out += text[i];
    }
    return out;
}

std::string render_reply(const commands::reply& r)
{
    std::string out = r.text;
    for (auto const& f : r.fields)
        out += fmt::format("\n  {}: {}", f.name, f.value);
    return for_terminal(out);
}

std::string render_destination(const destination& to, std::optional<case_id> case_ref)
{
    std::string out = fmt::format("{} {}{}", to_string(to.where), to.direct ? "DM " : "", to.channel);
    if (to.case_thread && case_ref)
        out += fmt::format(" (thread of #{})", *case_ref);
    else if (!to.thread.empty())
        out += fmt::format(" (thread {})", to.thread);
    return for_terminal(out);
}

std::string render_message_text(const outbound_message& m)
{
    if (m.kind == "card_update" && m.text.empty())
        return fmt::format("[the case card of #{} is refreshed]", m.case_ref.value_or(0));
    std::string out;
    for (auto const& who : m.mentions)
        out += "@" + who.name + " ";
    return for_terminal(out + m.text);
}

}  // namespace bot::app
