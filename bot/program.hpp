#pragma once
// The Support Program as data: support hours, per-severity targets and cadences,
// reminder leads and the breach-ping ladder. Defaults are the vendor's published
// program (design.md §2); config/ builds other programs from TOML.
#include "bot/calendar.hpp"
#include "bot/vocabulary.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace bot {

struct severity_policy {
    business_span initial_response;               // time to the team starting work
    std::optional<business_span> status_update;   // cadence; none = "as reasonable"
    bool around_the_clock = false;                // count every hour, not support hours
    business_span reminder_lead;                  // remind this long before a deadline…
    double reminder_fraction = 0.0;               // …or this fraction of the window, when > 0
    std::string level_of_effort;                  // shown to customers
    std::string typical_resolution;               // shown to customers, not timed
};

struct escalation_policy {
    // Business time between repeated breach pings; the last step repeats until someone acts.
    std::vector<business_span> repeat;
    // After this much business time past a breach, also ping the further escalation target.
    std::optional<business_span> further_after;
};

class program {
public:
    program(calendar support_hours, std::array<severity_policy, 3> severities, escalation_policy escalation);

    // The vendor's Support Program: 09:00–18:00 Mon–Fri in `zone`, no holidays,
    // critical 1h/daily, normal 4h/weekly, low 1 business day/none.
    static program defaults(const date::time_zone* zone);

    const calendar& support_hours() const noexcept { return support_; }
    const calendar& calendar_for(severity s) const noexcept;
    const severity_policy& policy(severity s) const noexcept { return severities_[index(s)]; }
    const escalation_policy& escalation() const noexcept { return escalation_; }

    std::chrono::seconds initial_window(severity s) const noexcept;
    std::optional<std::chrono::seconds> update_window(severity s) const noexcept;
    // How long before the end of `window` the reminder goes out; zero = no reminder.
    std::chrono::seconds reminder_lead(severity s, std::chrono::seconds window) const noexcept;
    // Business time after a breach at which repeat ping `n` (1, 2, …) is due.
    std::chrono::seconds ping_offset(severity s, int n) const noexcept;

private:
    static std::size_t index(severity s) noexcept { return static_cast<std::size_t>(s); }

    calendar support_;
    calendar always_;
    std::array<severity_policy, 3> severities_;
    escalation_policy escalation_;
};

}  // namespace bot
