#include "commands/permissions.hpp"

namespace bot::commands {

bool may_run(role r, verb v) noexcept
{
    switch (v) {
    // Everyone: customers act on their own organisation's cases.
    case verb::new_case:
    case verb::note:
    case verb::severity:
    case verb::escalate:
    case verb::close:
    case verb::reopen:
    case verb::show:
    case verb::why:
    case verb::list:
    case verb::sla:
    case verb::contacts:
    case verb::help:
        return true;
    // The support team.
    case verb::claim:
    case verb::ack:
    case verb::info:
    case verb::update:
    case verb::category:
    case verb::resolve:
        return is_staff(r);
    // Leads.
    case verb::approve:
    case verb::decline:
    case verb::assign:
        return r == role::lead;
    }
    return false;
}

bool may_see(const actor& who, const case_record& c) noexcept
{
    return who.is_staff() || (!who.customer.empty() && who.customer == c.customer);
}

std::string_view who_may(verb v) noexcept
{
    if (may_run(role::customer, v))
        return "everyone";
    if (may_run(role::agent, v))
        return "the support team";
    return "the support leads";
}

}  // namespace bot::commands
