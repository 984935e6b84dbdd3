#include "bot/app/app_setup.hpp"
#include "bot/app/subcommands.hpp"
#include "bot/describe.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <date/tz.h>

namespace bot::app {
namespace {
constexpr const char* usage = R"(Usage: casebot sla --severity critical|normal|low --opened RFC3339 [--json] [--config FILE]
What-if: when is the initial response due for a case opened at that instant, and how
often are status updates owed? Instants are shown in the support time zone.
With --json, prints an object whose initial_response_due is an RFC 3339 instant with
its offset, plus the status-update cadence.)";
}

int run_sla(const args& a)
{
    auto const opts = parse_cli(a, {{"config", "db", "severity", "opened"}, {"help", "json"}});
    if (opts.has("help")) {
        fmt::print("{}\n", usage);
        return 0;
    }
    if (!opts.positional.empty())
        throw std::invalid_argument("unexpected '" + opts.positional.front() + "'");
    auto const level_text = opts.get("severity");
    if (!level_text)
        throw std::invalid_argument("--severity is required: critical, normal or low");
    auto const level = parse_severity(*level_text);
    if (!level)
        throw std::invalid_argument("--severity must be critical, normal or low; got '" + *level_text + "'");
    auto const opened = instant_option(opts, "opened");
    auto const s = load_settings_for(opts);

    auto const& rules = s.rules;
    auto const& cal = rules.calendar_for(*level);
    auto const& policy = rules.policy(*level);
    auto const starts = cal.next_opening(opened);
    auto const due = cal.add(opened, rules.initial_window(*level));
    auto const cadence = rules.update_window(*level);

    if (opts.has("json")) {
        boost::json::object o;
        o["severity"] = to_string(*level);
        o["opened"] = cal.rfc3339(opened);
        o["time_zone"] = cal.zone()->name();
        o["around_the_clock"] = policy.around_the_clock;
        o["clock_starts"] = cal.rfc3339(starts);
        o["initial_response"] = span_text(policy.initial_response);
        o["initial_response_business_seconds"] = rules.initial_window(*level).count();
        o["initial_response_due"] = cal.rfc3339(due);
        if (cadence) {
            o["status_update_cadence"] = span_text(*policy.status_update);
            o["status_update_business_seconds"] = cadence->count();
        } else {
            o["status_update_cadence"] = nullptr;
            o["status_update_business_seconds"] = nullptr;
        }
        o["typical_resolution"] = policy.typical_resolution;
        fmt::print("{}\n", boost::json::serialize(o));
        return 0;
    }
    fmt::print("{} case opened {}\n", to_string(*level), cal.local_text(opened));
    if (starts != opened)
        fmt::print("Support was closed then; the clock starts {}.\n", cal.local_text(starts));
    fmt::print("Initial response due: {} ({}), {} {}\n", cal.local_text(due), cal.rfc3339(due),
               span_text(policy.initial_response), policy.around_the_clock ? "around the clock" : "of support time");
    if (cadence)
        fmt::print("Status updates: every {} from the initial response (counted the same way)\n",
                   span_text(*policy.status_update));
    else
        fmt::print("Status updates: as reasonable (no clock)\n");
    fmt::print("Support hours: {}\n", hours_text(rules.support_hours()));
    return 0;
}

}  // namespace bot::app
