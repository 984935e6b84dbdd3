#include "commands/case_view.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

namespace bot::commands {
namespace {
constexpr std::size_t max_listed = 50;

std::string_view scope_name(list_scope s)
{
    switch (s) {
    case list_scope::open: return "open";
    case list_scope::mine: return "";   // worded apart
    case list_scope::breached: return "breached";
    case list_scope::waiting: return "waiting";
    case list_scope::all: return "";
    }
    return "";
}
}  // namespace

// list [mine|open|breached|waiting|all]: customers see their organisation's cases;
// the team sees the channel's customer in a customer channel, everyone elsewhere.
result<reply> list(const command& cmd, const invocation& in, context& ctx)
{
    case_query q;
    q.scope = cmd.scope;
    q.actor_id = in.who.id;
    q.limit = max_listed + 1;
    if (!in.who.is_staff())
        q.customer = in.who.customer;
    else if (!in.scope_customer.empty())
        q.customer = in.scope_customer;
    else if (auto const* link = ctx.people.channel(in.where, in.channel); link && !link->customer.empty())
        q.customer = link->customer;
    auto found = ctx.cases.list(q);
    if (!found)
        return found.error();

    auto const now = ctx.clock.now();
    auto const count = found->size() > max_listed ? std::string{"The first 50"} : std::to_string(found->size());
    auto const for_customer = q.customer ? " for " + ctx.people.customer_name(*q.customer) : std::string{};
    std::string text;
    if (cmd.scope == list_scope::mine)   // assigned to or opened by the asker
        text = found->empty() ? fmt::format("You have no open cases{}.", for_customer)
                              : fmt::format("{} open case{} of yours{}:", count, found->size() == 1 ? "" : "s",
                                            for_customer);
    else if (found->empty())
        text = fmt::format("No {}{}cases{}.", scope_name(cmd.scope), cmd.scope == list_scope::all ? "" : " ",
                           for_customer);
    else
        text = fmt::format("{} {}{}case{}{}:", count, scope_name(cmd.scope), cmd.scope == list_scope::all ? "" : " ",
                           found->size() == 1 ? "" : "s", for_customer);
    for (std::size_t i = 0; i < found->size() && i < max_listed; ++i)
        text += "\n" + case_line((*found)[i], now, ctx.rules, ctx.people);
    return reply::info(std::move(text));
}

}  // namespace bot::commands
