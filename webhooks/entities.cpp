#include "webhooks/entities.hpp"

namespace bot::webhooks {

std::string decode_entities(std::string_view text, std::span<const entity> known)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::size_t skip = 0;
        if (text[i] == '&')
            for (auto const& e : known)
                if (text.substr(i).starts_with(e.written)) {
                    out += e.means;
                    skip = e.written.size();
                    break;
                }
        if (skip == 0)
            out += text[i++];
        else
            i += skip;
    }
    return out;
}

}  // namespace bot::webhooks
