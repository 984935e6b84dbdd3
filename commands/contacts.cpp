#include "commands/handlers.hpp"

#include <fmt/format.h>

namespace bot::commands {
namespace {
// name@example.com: one @, something before it, a dotted domain after it.
bool looks_like_email(std::string_view address)
{
    auto const at = address.find('@');
    if (at == std::string_view::npos || at == 0 || address.find('@', at + 1) != std::string_view::npos)
        return false;
    auto const domain = address.substr(at + 1);
    auto const dot = domain.find('.');
    return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() && !domain.ends_with('.');
}
}  // namespace

// contacts [list] | add <address> [name] | remove <address>: the organisation's
// notification contacts. Customers manage their own; the team manages the
// customer of the channel it is in.
result<reply> contacts(const command& cmd, const invocation& in, context& ctx)
{
    std::string customer = in.who.customer;
    if (in.who.is_staff()) {
        auto const* link = ctx.people.channel(in.where, in.channel);
        if (!link || link->customer.empty())
            return reply::refusal("Contacts belong to a customer: use this in the customer's channel.");
        customer = link->customer;
    }
    if (customer.empty())
        return reply::refusal("I can't tell which organisation you are with.");

    auto const org = ctx.people.customer_name(customer);
    switch (cmd.contacts) {
    case contacts_op::list: {
        auto found = ctx.cases.contacts(customer);
        if (!found)
            return found.error();
        if (found->empty())
            return reply::info(fmt::format("{} has no notification contacts yet. Add one with `contacts add "
                                           "<address> [name]`.",
                                           org));
        std::string text = fmt::format("Notification contacts for {}:", org);
        for (auto const& c : *found)
            text += fmt::format("\n  {}{}", c.address, c.name.empty() ? "" : " (" + c.name + ")");
        return reply::info(std::move(text));
    }
    case contacts_op::add: {
        if (cmd.target.size() > 254 || cmd.target.find_first_of("<>\"") != std::string::npos)
            return reply::usage("`" + cmd.target.substr(0, 40) + "` is not an address I can store.",
                                std::string{usage_of(verb::contacts)});
        if (!looks_like_email(cmd.target))
            return reply::usage("`" + cmd.target.substr(0, 40) + "` is not an email address: write it as "
                                "name@example.com.",
                                std::string{usage_of(verb::contacts)});
        auto added = ctx.cases.add_contact({customer, cmd.target, cmd.text, in.who.id, ctx.clock.now()});
        if (!added)
            return added.error();
        return *added ? reply::ok(fmt::format("Added {} to {}'s notification contacts.", cmd.target, org))
                      : reply::info(fmt::format("{} is already a contact of {}.", cmd.target, org));
    }
    case contacts_op::remove: {
        auto removed = ctx.cases.remove_contact(customer, cmd.target);
        if (!removed)
            return removed.error();
        return *removed ? reply::ok(fmt::format("Removed {} from {}'s notification contacts.", cmd.target, org))
                        : reply::info(fmt::format("{} is not a contact of {}.", cmd.target, org));
    }
    }
    return reply::info("");
}

}  // namespace bot::commands
