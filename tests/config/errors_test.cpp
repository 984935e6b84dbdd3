// Each kind of invalid input fails with the file, line, column, key and a useful message.
#include "config/settings.hpp"

#include "parse_helpers.hpp"

#include <doctest/doctest.h>

namespace {
using namespace bot::config;
using namespace bot::config::test;

std::string what_of(std::string_view toml, const env_lookup& env = no_env())
{
    return parse_error(toml, env).what();
}

constexpr std::string_view acme = R"([[customers]]
id = "acme"

[[customers.channels]]
platform = "slack"
id = "C0ACME"
)";

std::string with_acme(std::string_view rest)
{
    return std::string{acme} + std::string{rest};
}
}  // namespace

TEST_CASE("a value of the wrong type names its key and both types")
{
    CHECK(what_of("[severity.low]\ninitial_response = 4\n") ==
          "test.toml:2:20: severity.low.initial_response: expected a string, found an integer");
    CHECK(what_of("[server]\nthreads = \"4\"\n") == "test.toml:2:11: server.threads: expected an integer, found a string");
    CHECK(what_of("[team]\nteam_members_are_agents = \"yes\"\n") ==
          "test.toml:2:27: team.team_members_are_agents: expected a boolean (true or false), found a string");
    CHECK(what_of("severity = 3\n") == "test.toml:1:12: severity: expected a table ([severity]), found an integer");
    CHECK(what_of("[support]\nholidays = \"2026-12-25\"\n") ==
          "test.toml:2:12: support.holidays: expected an array, found a string");
    CHECK(what_of("[routing]\nagents_channels = [\"slack:C1\", 2]\n") ==
          "test.toml:2:32: routing.agents_channels[1]: expected a string, found an integer");
}

TEST_CASE("a table where an array of tables belongs points at [[double brackets]]")
{
    CHECK(what_of("[customers]\nid = \"acme\"\n") ==
          "test.toml:1:1: customers: expected an array of tables ([[customers]]), found a table");
}

TEST_CASE("an unknown key is an error, with a suggestion when it looks like a typo")
{
    SUBCASE("a misspelt key") {
        CHECK(what_of("[severity.low]\ninitail_response = \"1d\"\n") ==
              "test.toml:2:1: severity.low.initail_response: unknown key 'initail_response'; did you mean "
              "'initial_response'?");
    }
    SUBCASE("a misspelt section") {
        auto const e = parse_error("[severty.critical]\ninitial_response = \"1h\"\n");
        CHECK(e.line == 1);
        CHECK(e.key == "severty");
        CHECK(e.message == "unknown key 'severty'; did you mean 'severity'?");
    }
    SUBCASE("an unknown severity") {
        CHECK(what_of("[severity.urgent]\ninitial_response = \"1h\"\n").starts_with(
            "test.toml:1:11: severity.urgent: unknown key 'urgent'; expected one of: critical, normal, low"));
    }
    SUBCASE("a key like no other lists the known ones") {
        CHECK(what_of("[scheduler]\ncolour = \"blue\"\n") ==
              "test.toml:2:1: scheduler.colour: unknown key 'colour'; expected one of: tick, batch");
    }
    SUBCASE("a key inside a customer's channel") {
        CHECK(what_of(with_acme("open = \"mention_only\"\n")) ==
              "test.toml:7:1: customers[0].channels[0].open: unknown key 'open'; did you mean 'opens'?");
    }
    SUBCASE("the first unknown key in the file is the one reported") {
        CHECK(what_of("zeta = 1\nalpha = 2\n").starts_with("test.toml:1:1: zeta: unknown key 'zeta'"));
    }
}

TEST_CASE("a bad business span says which forms are accepted")
{
    CHECK(what_of("[severity.normal]\ninitial_response = \"4 hours\"\n") ==
          "test.toml:2:20: severity.normal.initial_response: '4 hours' is not a business span; write e.g. \"1h\", "
          "\"30m\", \"1h30m\", \"1d\" (business days) or \"1w\" (business weeks)");
    CHECK(what_of("[severity.normal]\ninitial_response = \"none\"\n") ==
          "test.toml:2:20: severity.normal.initial_response: \"none\" is only allowed for status_update");
    CHECK(what_of("[severity.normal]\ninitial_response = \"0m\"\n") ==
          "test.toml:2:20: severity.normal.initial_response: '0m' must be longer than zero");
    CHECK(what_of("[severity.low]\nstatus_update = \"never\"\n") ==
          "test.toml:2:17: severity.low.status_update: 'never' is not a business span; write e.g. \"1d\" "
          "(business days), \"1w\" (business weeks), \"4h\" or \"none\"");
    CHECK(what_of("[escalation]\nrepeat = [\"1h\", \"soon\"]\n").starts_with(
        "test.toml:2:17: escalation.repeat[1]: 'soon' is not a business span"));
    CHECK(what_of("[support]\nbusiness_day = \"1d\"\n") ==
          "test.toml:2:16: support.business_day: must be hours and minutes up to 24h, e.g. \"9h\" or \"7h30m\"");
}

TEST_CASE("an unknown time zone is named")
{
    CHECK(what_of("[support]\ntime_zone = \"Mars/Olympus_Mons\"\n") ==
          "test.toml:2:13: support.time_zone: unknown time zone 'Mars/Olympus_Mons'; write an IANA name such as "
          "\"America/New_York\" or \"Europe/London\"");
}

TEST_CASE("support hours must be well-formed openings that do not overlap")
{
    CHECK(what_of("[support.hours]\nmonday = [\"09:00-12:00\", \"11:00-13:00\"]\n") ==
          "test.toml:2:26: support.hours.monday[1]: '11:00-13:00' overlaps '09:00-12:00'");
    CHECK(what_of("[support.hours]\nmonday = [\"13:00-17:00\", \"08:00-14:00\"]\n") ==
          "test.toml:2:11: support.hours.monday[0]: '13:00-17:00' overlaps '08:00-14:00'");
    CHECK(what_of("[support.hours]\ntuesday = [\"18:00-09:00\"]\n") ==
          "test.toml:2:12: support.hours.tuesday[0]: '18:00-09:00' must start before it ends, within one day");
    CHECK(what_of("[support.hours]\nfriday = [\"9-17\"]\n") ==
          "test.toml:2:11: support.hours.friday[0]: '9-17' is not an opening; write \"HH:MM-HH:MM\", e.g. "
          "\"09:00-18:00\"");
    CHECK(what_of("[support.hours]\nmonday = []\n") ==
          "test.toml:1:1: support.hours: support hours must open on at least one weekday");
    CHECK(what_of("[support.hours]\nmonday = [\"09:00-18:00\"]\nmondays = [\"09:00-18:00\"]\n") ==
          "test.toml:3:1: support.hours.mondays: unknown key 'mondays'; did you mean 'monday'?");
}

TEST_CASE("holidays are real dates, each listed once")
{
    CHECK(what_of("[support]\nholidays = [\"2026-02-30\"]\n") ==
          "test.toml:2:13: support.holidays[0]: '2026-02-30' is not a date; write \"YYYY-MM-DD\", e.g. "
          "\"2026-12-25\"");
    CHECK(what_of("[support]\nholidays = [\"2026-12-25\", 2026-12-25]\n") ==
          "test.toml:2:27: support.holidays[1]: 2026-12-25 is listed twice");
    CHECK(what_of("[support]\nholidays = [20261225]\n") ==
          "test.toml:2:13: support.holidays[0]: expected a date \"YYYY-MM-DD\", found an integer");
}

TEST_CASE("reminder_lead and reminder_fraction are mutually exclusive")
{
    CHECK(what_of("[severity.critical]\nreminder_lead = \"30m\"\nreminder_fraction = 0.5\n") ==
          "test.toml:3:21: severity.critical.reminder_fraction: reminder_lead and reminder_fraction are mutually "
          "exclusive; set one of them");
    CHECK(what_of("[severity.critical]\nreminder_fraction = 1.5\n").starts_with(
        "test.toml:2:21: severity.critical.reminder_fraction: 1.5 is out of range; must be between 0 and 1"));
    CHECK(what_of("[severity.critical]\nreminder_fraction = 0\n").starts_with(
        "test.toml:2:21: severity.critical.reminder_fraction: 0 is out of range"));
}

TEST_CASE("a reminder lead must be shorter than the windows it reminds of")
{
    // Normal: 4h to respond, then weekly updates. A lead of 5h would fall before the clock starts.
    CHECK(what_of("[severity.normal]\nreminder_lead = \"5h\"\n") ==
          "test.toml:2:17: severity.normal.reminder_lead: 5h is not shorter than the initial response window "
          "(4h): no reminder could come before its deadline; set a shorter reminder_lead");
    // A window shrunk under the default lead (normal: 1h) is caught too.
    CHECK(what_of("[severity.normal]\ninitial_response = \"1h\"\n").find(
              "the reminder lead this severity keeps by default, 1h, is not shorter than the initial response "
              "window (1h)") != std::string::npos);
    CHECK(what_of("[severity.critical]\nreminder_lead = \"1h\"\n").find("not shorter than the initial response "
                                                                        "window (1h)") != std::string::npos);
    CHECK(what_of("[severity.low]\nreminder_lead = \"1d\"\n").find("(9h)") != std::string::npos);
    // A fraction replaces the lead: the default lead is not held against a short window.
    CHECK(parse_ok("[severity.normal]\ninitial_response = \"30m\"\nreminder_fraction = 0.5\n")
              .rules.policy(bot::severity::normal)
              .reminder_fraction == 0.5);
    CHECK(parse_ok("[severity.normal]\nreminder_lead = \"3h\"\n").rules.policy(bot::severity::normal).reminder_lead ==
          bot::business_span{std::chrono::hours{3}, 0, 0});
}

TEST_CASE("the escalation ladder needs a step and a further escalation needs a target")
{
    CHECK(what_of("[escalation]\nrepeat = []\n") ==
          "test.toml:2:10: escalation.repeat: must list at least one span; the last one repeats until someone acts");
    CHECK(what_of("[escalation]\nfurther_after = \"1d\"\n") ==
          "test.toml:2:17: escalation.further_after: further_after needs further_targets: where the further "
          "escalation goes");
}

TEST_CASE("a channel must belong to a configured customer")
{
    CHECK(what_of(with_acme("\n[[channels]]\nplatform = \"slack\"\nid = \"C0INITECH\"\ncustomer = \"initech\"\n")) ==
          "test.toml:11:12: channels[0].customer: unknown customer 'initech'; configured customers: acme");
    CHECK(what_of("[[channels]]\nplatform = \"slack\"\nid = \"C1\"\ncustomer = \"initech\"\n") ==
          "test.toml:4:12: channels[0].customer: unknown customer 'initech'; no [[customers]] are configured");
    CHECK(what_of(with_acme("\n[[channels]]\nplatform = \"discord\"\nid = \"C1\"\n")) ==
          "test.toml:9:12: channels[0].platform: 'discord' is not a platform; write \"slack\", \"teams\" or \"cli\"");
    CHECK(what_of(with_acme("opens = \"always\"\n")) ==
          "test.toml:7:9: customers[0].channels[0].opens: 'always' is not a way to open cases; write "
          "\"every_message\" or \"mention_only\"");
    CHECK(what_of(with_acme("workflows_url = \"https://example.com/w\"\n")) ==
          "test.toml:7:17: customers[0].channels[0].workflows_url: workflows_url applies to Teams channels only");
    CHECK(what_of(with_acme("webhook_secret = \"c2VjcmV0\"\n")) ==
          "test.toml:7:18: customers[0].channels[0].webhook_secret: webhook_secret applies to Teams channels only");
}

TEST_CASE("a person's role and organisation must make sense")
{
    CHECK(what_of(with_acme("\n[[people]]\nid = \"bob\"\nrole = \"customer\"\ncustomer = \"initech\"\n")) ==
          "test.toml:11:12: people[0].customer: unknown customer 'initech'; configured customers: acme");
    CHECK(what_of(with_acme("\n[[people]]\nid = \"bob\"\nrole = \"customer\"\n")) ==
          "test.toml:8:1: people[0].customer: a person with role = \"customer\" needs customer = \"<customer id>\"");
    CHECK(what_of(with_acme("\n[[people]]\nid = \"ana\"\nrole = \"agent\"\ncustomer = \"acme\"\n")) ==
          "test.toml:11:12: people[0].customer: only a person with role = \"customer\" belongs to a customer; "
          "'ana' is agent");
    CHECK(what_of("[[people]]\nid = \"ana\"\nrole = \"admin\"\n") ==
          "test.toml:3:8: people[0].role: 'admin' is not a role; write \"customer\", \"agent\" or \"lead\"");
    CHECK(what_of("[[people]]\nid = \"ana\"\n") == "test.toml:1:1: people[0].role: missing required key 'role'");
    CHECK(what_of("[[people]]\nid = \"ana smith\"\nrole = \"agent\"\n") ==
          "test.toml:2:6: people[0].id: 'ana smith' is not a valid id; use letters, digits, '.', '_' and '-'");
    CHECK(what_of("[[people]]\nid = \"\"\nrole = \"agent\"\n") == "test.toml:2:6: people[0].id: must not be empty");
}

TEST_CASE("ids and platform identities are unique")
{
    CHECK(what_of("[[people]]\nid = \"ana\"\nrole = \"agent\"\n\n[[people]]\nid = \"ana\"\nrole = \"lead\"\n") ==
          "test.toml:6:6: people[1].id: duplicate person id 'ana' (first at line 2)");
    CHECK(what_of("[[customers]]\nid = \"acme\"\n[[customers]]\nid = \"acme\"\n") ==
          "test.toml:4:6: customers[1].id: duplicate customer id 'acme' (first at line 2)");
    CHECK(what_of("[[people]]\nid = \"ana\"\nrole = \"agent\"\nslack = \"U1\"\n"
                  "[[people]]\nid = \"raj\"\nrole = \"agent\"\nslack = \"U1\"\n") ==
          "test.toml:8:9: people[1].slack: duplicate Slack user 'U1' (first at line 4)");
    CHECK(what_of(with_acme("\n[[channels]]\nplatform = \"slack\"\nid = \"C0ACME\"\n")) ==
          "test.toml:10:6: channels[0].id: duplicate slack channel 'C0ACME' (first at line 6)");
    CHECK(what_of("[[customers]]\nid = \"a\"\nslack_teams = [\"T1\"]\n[[customers]]\nid = \"b\"\nslack_teams = [\"T1\"]\n") ==
          "test.toml:6:16: customers[1].slack_teams[0]: duplicate Slack team 'T1' (first at line 3)");
    CHECK(what_of("[team]\nslack_team = \"T0US\"\n[[customers]]\nid = \"a\"\nslack_teams = [\"T0US\"]\n") ==
          "test.toml:5:16: customers[0].slack_teams[0]: 'T0US' is our own Slack team ([team] slack_team), not a "
          "customer's");
}

TEST_CASE("the same channel id on two platforms is two channels")
{
    auto const s = parse_ok(with_acme("\n[[channels]]\nplatform = \"cli\"\nid = \"C0ACME\"\n"));
    CHECK(s.people.channels().size() == 2);
}

TEST_CASE("destinations are platform:channel and never a customer's channel")
{
    CHECK(what_of("[routing]\nagents_channels = [\"#agents\"]\n") ==
          "test.toml:2:20: routing.agents_channels[0]: '#agents' is not a destination; write \"slack:C0123ABCD\", "
          "\"teams:19:…@thread.tacv2\" or \"cli:agents\"");
    CHECK(what_of("[routing]\nleads_channels = [\"slack:C1\", \"slack:C1\"]\n") ==
          "test.toml:2:31: routing.leads_channels[1]: 'slack:C1' is listed twice");
    CHECK(what_of(with_acme("\n[routing]\nleads_channels = [\"slack:C0ACME\"]\n")) ==
          "test.toml:9:19: routing.leads_channels[0]: slack:C0ACME is customer acme's channel; reminders and pings "
          "for the team must not go there");
    CHECK(what_of(with_acme("\n[escalation]\nfurther_after = \"1d\"\nfurther_targets = [\"slack:C0ACME\"]\n")) ==
          "test.toml:10:20: escalation.further_targets[0]: slack:C0ACME is customer acme's channel; reminders and "
          "pings for the team must not go there");
}

TEST_CASE("Slack ids must look like Slack ids, and say where the right one is")
{
    CHECK(what_of("[[customers]]\nid = \"acme\"\n[[customers.channels]]\nplatform = \"slack\"\nid = \"#acme-support\"\n") ==
          "test.toml:5:6: customers[0].channels[0].id: '#acme-support' is a channel name, not a Slack channel id; a "
          "channel id looks like C0123ABCD (in Slack, open the channel's details: the id is at the bottom of the "
          "About tab)");
    CHECK(what_of("[routing]\nagents_channels = [\"slack:#support-agents\"]\n").find(
              "'#support-agents' is a channel name, not a Slack channel id") != std::string::npos);
    CHECK(what_of("[escalation]\nfurther_after = \"1d\"\nfurther_targets = [\"slack:https://x.slack.com/archives/C1\"]\n")
              .find("is a link, not a Slack channel id") != std::string::npos);
    CHECK(what_of("[team]\nslack_team = \"acme.slack.com\"\n") ==
          "test.toml:2:14: team.slack_team: 'acme.slack.com' is a workspace address, not a Slack team id; a team id "
          "looks like T0123ABCD (`auth.test` with the bot's token gives your own (team_id); `users.info` of one of a "
          "customer's people gives theirs (user.team_id))");
    CHECK(what_of("[[customers]]\nid = \"acme\"\nslack_teams = [\"acme\"]\n").find(
              "'acme' is not a Slack team id") != std::string::npos);
    CHECK(what_of("[[people]]\nid = \"ana\"\nrole = \"agent\"\nslack = \"@ana\"\n") ==
          "test.toml:4:9: people[0].slack: '@ana' is a name, not a Slack member id; a member id looks like U0123ABCD "
          "(in Slack, open the person's profile, then ⋮ → Copy member ID)");
    CHECK(what_of("[slack]\nbot_user = \"@casebot\"\n").find("slack.bot_user: '@casebot' is a name") !=
          std::string::npos);
    CHECK(what_of("[routing]\nslack_agents_group = \"agents\"\n").find(
              "'agents' is not a Slack user group id; a user group id looks like S0123ABCD") != std::string::npos);
    // Lower case is never an id: Slack's are capitals and digits.
    CHECK(what_of("[[people]]\nid = \"ana\"\nrole = \"agent\"\nslack = \"u0ana\"\n").find("not a Slack member id") !=
          std::string::npos);
    // Ids of every kind Slack issues are accepted.
    auto const s = parse_ok(R"([team]
slack_team = "E0ORG"
[[customers]]
id = "acme"
slack_teams = ["T0ACME"]
[[customers.channels]]
platform = "slack"
id = "G0PRIVATE"
[[people]]
id = "ana"
role = "agent"
slack = "W0GRID"
[routing]
agents_channels = ["slack:C0AGENTS"]
slack_agents_group = "S0AGENTS"
[slack]
bot_user = "U0BOT"
)");
    CHECK(s.people.people().size() == 1);
}

TEST_CASE("the Slack token must be a bot token, and the error never repeats it")
{
    auto const user_token = what_of("[slack]\nbot_token = \"xoxp-1234-secret\"\n");
    CHECK(user_token == "test.toml:2:13: slack.bot_token: the bot token is a user token (xoxp-…), not the bot's: it "
                        "starts with xoxb- (the app's Install App page → Bot User OAuth Token)");
    CHECK(user_token.find("secret") == std::string::npos);
    auto const from_env = what_of("", fake_env({{"SLACK_BOT_TOKEN", "hunter2-secret"}}));
    CHECK(from_env == "test.toml: SLACK_BOT_TOKEN: the bot token is not a Slack bot token: it starts with xoxb- (the "
                      "app's Install App page → Bot User OAuth Token)");
    CHECK(what_of("", fake_env({{"SLACK_BOT_TOKEN", "xapp-1-A0-secret"}})).find("an app-level token") !=
          std::string::npos);
    CHECK(parse_ok("", fake_env({{"SLACK_BOT_TOKEN", "xoxb-1-2-abc\n"}})).slack.bot_token == "xoxb-1-2-abc");
}

TEST_CASE("the leads must be reachable the way the file says")
{
    CHECK(what_of("[routing]\nleads = \"channel\"\n") ==
          "test.toml:2:9: routing.leads: leads = \"channel\" needs leads_channels, e.g. [\"slack:C0LEADS\"]");
    CHECK(what_of("[routing]\nleads = \"dm\"\n") ==
          "test.toml:2:9: routing.leads: leads = \"dm\" needs at least one person with role = \"lead\"");
    CHECK(what_of("[routing]\nleads = \"email\"\n") ==
          "test.toml:2:9: routing.leads: 'email' is not a way to reach the leads; write \"channel\" or \"dm\"");
}

TEST_CASE("listen is HOST:PORT with a valid port")
{
    for (auto const* bad : {"localhost", "localhost:0", "localhost:65536", "localhost:http", ":8080", "::1:8080",
                            "[::1:8080", "host:8080 "}) {
        CAPTURE(bad);
        auto const e = parse_error(std::string{"[server]\nlisten = \""} + bad + "\"\n");
        CHECK(e.line == 2);
        CHECK(e.column == 10);
        CHECK(e.key == "server.listen");
        CHECK(e.message.starts_with("'" + std::string{bad} + "' is not HOST:PORT with a port from 1 to 65535"));
    }
    for (auto const* good : {"127.0.0.1:8080", "0.0.0.0:1", "[::1]:65535", "casebot.internal:443"}) {
        CAPTURE(good);
        CHECK(parse_ok(std::string{"[server]\nlisten = \""} + good + "\"\n").server.listen == good);
    }
}

TEST_CASE("TLS needs both a certificate and a key, or neither")
{
    CHECK(what_of("[server]\ntls_certificate = \"/etc/casebot/cert.pem\"\n") ==
          "test.toml:2:19: server.tls_certificate: tls_certificate is set but tls_private_key is not; set both for "
          "TLS, or neither");
    CHECK(what_of("[server]\ntls_private_key = \"/etc/casebot/key.pem\"\n") ==
          "test.toml:2:19: server.tls_private_key: tls_private_key is set but tls_certificate is not; set both for "
          "TLS, or neither");
}

TEST_CASE("numbers and durations are range-checked")
{
    CHECK(what_of("[server]\nthreads = 0\n") == "test.toml:2:11: server.threads: 0 is out of range; must be from 1 to 64");
    CHECK(what_of("[server]\nbody_limit = 100\n") ==
          "test.toml:2:14: server.body_limit: 100 is out of range; must be from 1024 to 67108864");
    CHECK(what_of("[scheduler]\nbatch = 100001\n") ==
          "test.toml:2:9: scheduler.batch: 100001 is out of range; must be from 1 to 100000");
    CHECK(what_of("[server]\nread_timeout = \"10\"\n") ==
          "test.toml:2:16: server.read_timeout: '10' is not a duration; write e.g. \"30s\", \"5m\" or \"2h\"");
    CHECK(what_of("[delivery]\nparallel_channels = 0\n") ==
          "test.toml:2:21: delivery.parallel_channels: 0 is out of range; must be from 1 to 64");
    CHECK(what_of("[scheduler]\ntick = \"0s\"\n") == "test.toml:2:8: scheduler.tick: '0s' must be longer than zero");
    CHECK(what_of("[delivery]\nfirst_retry = \"1h\"\nmax_retry = \"1m\"\n") ==
          "test.toml:3:13: delivery.max_retry: max_retry must not be shorter than first_retry: backoff starts at "
          "first_retry and grows to max_retry");
}

TEST_CASE("URLs and names that must be set are checked")
{
    CHECK(what_of("[slack]\napi_url = \"slack.com/api\"\n") ==
          "test.toml:2:11: slack.api_url: 'slack.com/api' is not an http:// or https:// URL");
    CHECK(what_of("", fake_env({{"SLACK_API_URL", "ftp://slack"}})) ==
          "test.toml: slack.api_url: SLACK_API_URL 'ftp://slack' is not an http:// or https:// URL");
    CHECK(what_of("vendor = \"\"\n") == "test.toml:1:10: vendor: must not be empty");
    CHECK(what_of("database_synchronous = \"off\"\n") ==
          "test.toml:1:24: database_synchronous: 'off' is not \"normal\" or \"full\"");
    CHECK(what_of("[teams]\ntenant = \"\"\n") == "test.toml:2:10: teams.tenant: must not be empty");
}

TEST_CASE("a TOML syntax error is reported at its line")
{
    auto const e = parse_error("vendor = \"TekStack\"\ndatabase = \n[support]\n");
    CHECK(e.line == 2);
    CHECK(e.column > 0);
    CHECK(e.key.empty());
    CHECK_FALSE(e.message.empty());
    CHECK(e.what().starts_with("test.toml:2:"));

    auto const duplicate = parse_error("vendor = \"a\"\nvendor = \"b\"\n");
    CHECK(duplicate.line == 2);
}
