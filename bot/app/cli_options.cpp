#include "bot/app/cli_options.hpp"

#include <stdexcept>

namespace bot::app {

std::optional<std::string> cli_options::get(const std::string& name) const
{
    auto it = values.find(name);
    if (it == values.end())
        return std::nullopt;
    return it->second;
}

cli_options parse_cli(const std::vector<std::string>& args, const option_spec& spec)
{
    cli_options out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto const& word = args[i];
        if (word == "--") {
            out.positional.insert(out.positional.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
            break;
        }
        if (!word.starts_with("--") || word.size() == 2) {
            out.positional.push_back(word);
            continue;
        }
        auto name = word.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (spec.flags.contains(name)) {
            if (inline_value)
                throw std::invalid_argument("--" + name + " takes no value");
            out.flags.insert(name);
        } else if (spec.valued.contains(name)) {
            if (inline_value) {
                out.values[name] = *inline_value;
            } else {
                if (i + 1 >= args.size())
                    throw std::invalid_argument("--" + name + " needs a value");
                out.values[name] = args[++i];
            }
        } else {
            throw std::invalid_argument("unknown option --" + name);
        }
    }
    return out;
}

}  // namespace bot::app
