#pragma once
// The words of the Support Program: severities, categories, case states, roles,
// platforms. Each has one spelling, used in commands, the database and the config.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace bot {

using case_id = std::int64_t;

enum class severity { critical, normal, low };
inline constexpr std::array all_severities{severity::critical, severity::normal, severity::low};

// `error` and `question` are covered by the program; the rest are recorded
// without clocks and answered with what the program covers.
enum class category { error, question, change_request, work_order, crm_maintenance };
inline constexpr std::array all_categories{category::error, category::question, category::change_request,
                                           category::work_order, category::crm_maintenance};

enum class case_state { open, responded, waiting, resolved, closed, declined };
inline constexpr std::array all_case_states{case_state::open,     case_state::responded, case_state::waiting,
                                            case_state::resolved, case_state::closed,    case_state::declined};

enum class role { customer, agent, lead };
inline constexpr std::array all_roles{role::customer, role::agent, role::lead};

enum class platform { cli, slack, teams };
inline constexpr std::array all_platforms{platform::cli, platform::slack, platform::teams};

std::string_view to_string(severity s) noexcept;
std::string_view to_string(category c) noexcept;
std::string_view to_string(case_state s) noexcept;
std::string_view to_string(role r) noexcept;
std::string_view to_string(platform p) noexcept;

// Parsers accept exactly the spelling to_string gives, case-insensitively.
std::optional<severity> parse_severity(std::string_view text) noexcept;
std::optional<category> parse_category(std::string_view text) noexcept;
std::optional<case_state> parse_case_state(std::string_view text) noexcept;
std::optional<role> parse_role(std::string_view text) noexcept;
std::optional<platform> parse_platform(std::string_view text) noexcept;

// Only `error` and `question` carry SLA clocks.
constexpr bool is_covered(category c) noexcept
{
    return c == category::error || c == category::question;
}

// Only a software error can be Critical.
constexpr bool may_be_critical(category c) noexcept
{
    return c == category::error;
}

// Agents and leads are the support team.
constexpr bool is_staff(role r) noexcept
{
    return r == role::agent || r == role::lead;
}

// A case that no longer runs any clock and awaits nothing from the team.
constexpr bool is_finished(case_state s) noexcept
{
    return s == case_state::resolved || s == case_state::closed || s == case_state::declined;
}

}  // namespace bot
