#include "bot/vocabulary.hpp"

#include <algorithm>
#include <cctype>

namespace bot {
namespace {
bool same_word(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

template <class Enum, std::size_t N>
std::optional<Enum> parse_among(const std::array<Enum, N>& values, std::string_view text) noexcept
{
    for (auto v : values)
        if (same_word(to_string(v), text))
            return v;
    return std::nullopt;
}
}  // namespace

std::string_view to_string(severity s) noexcept
{
    switch (s) {
    case severity::critical: return "critical";
    case severity::normal: return "normal";
    case severity::low: return "low";
    }
    return "?";
}

std::string_view to_string(category c) noexcept
{
    switch (c) {
    case category::error: return "error";
    case category::question: return "question";
    case category::change_request: return "change-request";
    case category::work_order: return "work-order";
    case category::crm_maintenance: return "crm-maintenance";
    }
    return "?";
}

std::string_view to_string(case_state s) noexcept
{
    switch (s) {
    case case_state::open: return "open";
    case case_state::responded: return "responded";
    case case_state::waiting: return "waiting";
    case case_state::resolved: return "resolved";
    case case_state::closed: return "closed";
    case case_state::declined: return "declined";
    }
    return "?";
}

std::string_view to_string(role r) noexcept
{
    switch (r) {
    case role::customer: return "customer";
    case role::agent: return "agent";
    case role::lead: return "lead";
    }
    return "?";
}

std::string_view to_string(platform p) noexcept
{
    switch (p) {
    case platform::cli: return "cli";
    case platform::slack: return "slack";
    case platform::teams: return "teams";
    }
    return "?";
}

std::optional<severity> parse_severity(std::string_view t) noexcept { return parse_among(all_severities, t); }
std::optional<category> parse_category(std::string_view t) noexcept { return parse_among(all_categories, t); }
std::optional<case_state> parse_case_state(std::string_view t) noexcept { return parse_among(all_case_states, t); }
std::optional<role> parse_role(std::string_view t) noexcept { return parse_among(all_roles, t); }
std::optional<platform> parse_platform(std::string_view t) noexcept { return parse_among(all_platforms, t); }

}  // namespace bot
