#include "commands/dispatcher.hpp"

#include "commands/permissions.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace bot::commands {

void dispatcher::add(verb v, handler h)
{
    if (!handlers_.emplace(v, h).second)
        throw std::logic_error(fmt::format("command `{}` registered twice", name_of(v)));
}

result<reply> dispatcher::run(std::string_view text, const invocation& in, context& ctx) const
{
    auto parsed = parse_command(text);
    if (auto const* bad = std::get_if<parse_error>(&parsed)) {
        if (bad->usage_line.empty())
            return reply::refusal(bad->message);
        return reply::usage(bad->message, bad->usage_line);
    }
    auto const& cmd = std::get<command>(parsed);
    if (!may_run(in.who.who, cmd.what))
        return reply::refusal(fmt::format("Only {} can use `{}`.", who_may(cmd.what), name_of(cmd.what)));
    // Where the whole channel sees every answer (a customer's Teams channel), another
    // organisation's customer gets nothing but help: no list, no contacts, no case.
    if (!in.who.is_staff() && !in.scope_customer.empty() && in.who.customer != in.scope_customer &&
        cmd.what != verb::help)
        return reply::refusal("This channel belongs to another organisation, and everyone in it sees my answers. "
                              "Ask in your own organisation's support channel.");
    auto const h = handlers_.find(cmd.what);
    if (h == handlers_.end())
        return reply::refusal(fmt::format("`{}` is not available here.", name_of(cmd.what)));
    return h->second(cmd, in, ctx);
}

reply apology(const boost::system::error_code& ec)
{
    return reply::failure(fmt::format("Sorry, I couldn't do that: {}. Nothing was changed; please try again.",
                                      ec.message()));
}

}  // namespace bot::commands
