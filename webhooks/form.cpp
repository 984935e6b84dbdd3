#include "webhooks/form.hpp"

#include "bot/utf8.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace bot::webhooks {

std::optional<form_fields> parse_form(std::string_view body)
{
    form_fields out;
    if (body.empty())
        return out;
    // Boost 1.81's parse_query may read past the view's end (boostorg/url#757): parse
    // an owned, NUL-terminated copy.
    std::string const owned{body};
    auto parsed = boost::urls::parse_query(owned);
    if (!parsed)
        return std::nullopt;
    boost::urls::encoding_opts opt;
    opt.space_as_plus = true;
    for (auto const& p : *parsed) {
        auto key = p.key.decode(opt);
        auto value = p.has_value ? p.value.decode(opt) : std::string{};
        if (!valid_utf8(key) || !valid_utf8(value))
            return std::nullopt;  // stored, it would break every JSON answer that quotes it
        // No one types a NUL: stored in a title, it would end the text early wherever C
        // strings carry it (a terminal, a log).
        if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos)
            return std::nullopt;
        out.emplace(std::move(key), std::move(value));
    }
    return out;
}

std::string_view field(const form_fields& f, std::string_view name)
{
    auto it = f.find(name);
    return it == f.end() ? std::string_view{} : std::string_view{it->second};
}

std::string form_encode(std::string_view text)
{
    return boost::urls::encode(text, boost::urls::unreserved_chars);
}

}  // namespace bot::webhooks
