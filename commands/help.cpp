#include "commands/handlers.hpp"
#include "commands/permissions.hpp"

#include <fmt/format.h>

namespace bot::commands {

// help [command]: the commands the caller may use, or one command in detail.
result<reply> help(const command& cmd, const invocation& in, context&)
{
    if (!cmd.target.empty()) {
        auto const v = parse_verb(cmd.target);
        if (!v)
            return reply::usage(fmt::format("There is no command `{}`.", cmd.target.substr(0, 40)),
                                std::string{usage_of(verb::help)});
        auto text = fmt::format("{}: {}\nUsage: {}", name_of(*v), summary_of(*v), usage_of(*v));
        if (!may_run(in.who.who, *v))
            text += fmt::format("\n(Only {} can use it.)", who_may(*v));
        return reply::info(std::move(text));
    }
    std::string text = fmt::format("Commands for {} ({}). A case number may be written 42 or #42.",
                                   in.who.name.empty() ? in.who.id : in.who.name, to_string(in.who.who));
    for (auto v : all_verbs)
        if (may_run(in.who.who, v))
            text += fmt::format("\n  {} — {}", usage_of(v), summary_of(v));
    return reply::info(std::move(text));
}

}  // namespace bot::commands
