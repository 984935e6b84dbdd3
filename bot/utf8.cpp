#include "bot/utf8.hpp"

namespace bot {

bool valid_utf8(std::string_view text) noexcept
{
    auto const* p = reinterpret_cast<const unsigned char*>(text.data());
    auto const* const end = p + text.size();
    while (p < end) {
        unsigned char const lead = *p;
        if (lead < 0x80) {
            ++p;
            continue;
        }
        // The sequence's length and the range its second byte must be in (which
        // excludes overlong forms, surrogates and code points past U+10FFFF).
        int length = 0;
        unsigned char low = 0x80, high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0)
                low = 0xA0;
            else if (lead == 0xED)
                high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0)
                low = 0x90;
            else if (lead == 0xF4)
                high = 0x8F;
        } else {
            return false;  // a continuation byte, C0/C1 or F5..FF where a character starts
        }
        if (end - p < length || p[1] < low || p[1] > high)
            return false;
        for (int i = 2; i < length; ++i)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        p += length;
    }
    return true;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept
{
    if (text.size() <= max_bytes)
        return text;
    auto cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;   // text[cut] continues the character before it: cut before that one
    return text.substr(0, cut);
}

std::string shorten(std::string_view text, std::size_t max_bytes)
{
    if (text.size() <= max_bytes)
        return std::string{text};
    return std::string{utf8_prefix(text, max_bytes)} + "…";
}

}  // namespace bot
