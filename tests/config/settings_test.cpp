#include "config/settings.hpp"  // first: proves the header is self-contained

#include "parse_helpers.hpp"

#include <date/tz.h>
#include <doctest/doctest.h>

#include <stdexcept>

namespace {
using namespace bot::config;
using namespace bot::config::test;
using namespace std::chrono_literals;
using bot::business_span;
using bot::opening;
using bot::severity;

std::chrono::sys_days day(int y, unsigned m, unsigned d)
{
    return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

business_span hours(int h)
{
    return business_span{std::chrono::hours{h}, 0, 0};
}

business_span days(int d)
{
    return business_span{0min, d, 0};
}

// The full file of the round-trip test: every key, none at its default.
constexpr std::string_view full_file = R"(vendor = "Initech"
database = "/srv/casebot/cases.db"

[support]
time_zone = "Europe/Berlin"
business_day = "8h"
holidays = ["2026-12-24", 2026-12-25]

[support.hours]
monday = ["08:00-12:00", "13:00-17:00"]
wednesday = ["08:00-16:00"]
saturday = ["10:00-12:00"]

[severity.critical]
initial_response = "30m"
status_update = "4h"
around_the_clock = true
reminder_lead = "10m"
level_of_effort = "All hands."
typical_resolution = "Hotfix."

[severity.normal]
reminder_fraction = 0.5

[severity.low]
initial_response = "2d"
status_update = "2w"

[escalation]
repeat = ["30m", "2h"]
further_after = "1d 4h"
further_targets = ["teams:19:mgmt@thread.tacv2", "cli:managers"]

[routing]
agents_channels = ["slack:C0AGENTS", "teams:19:agents@thread.tacv2"]
slack_agents_group = "S0AGENTS"
leads = "dm"
leads_channels = []

[team]
slack_team = "T0INITECH"
team_members_are_agents = false
teams_tenant = "tenant-guid"

[[customers]]
id = "acme"
name = "Acme"
slack_teams = ["T0ACME", "T0ACMEEU"]

[[customers.channels]]
platform = "slack"
id = "C0ACME"
opens = "mention_only"

[[customers]]
id = "globex"

[[customers.channels]]
platform = "teams"
id = "19:globex@thread.tacv2"
workflows_url = "https://example.logic.azure.com/workflows/1"
webhook_secret = "Z2xvYmV4IHRlYW0gdG9rZW4=\n"

[[channels]]
platform = "cli"
id = "triage"

[[channels]]
platform = "slack"
id = "C0ACMEOPS"
customer = "acme"

[[people]]
id = "ana"
name = "Ana Alvarez"
role = "agent"
slack = "U0ANA"
teams = "29:ana"

[[people]]
id = "lea"
name = "Lea Lindqvist"
role = "lead"
slack = "U0LEA"

[[people]]
id = "carol"
role = "customer"
customer = "acme"
slack = "U0CAROL"

[server]
listen = "[::1]:9443"
tls_certificate = "/etc/casebot/cert.pem"
tls_private_key = "/etc/casebot/key.pem"
body_limit = 1048576
read_timeout = "5s"
idle_timeout = "2m"
threads = 8
workers = 12

[slack]
signing_secret = "file-signing"
bot_token = "xoxb-file"
api_url = "http://127.0.0.1:9000/api"
bot_user = "U0BOT"

[teams]
webhook_secret = "d2ViaG9vaw=="
app_id = "app"
app_password = "pw"
tenant = "initech.example"
openid_metadata_url = "https://openid.example/config"
token_url = "https://token.example/token"

[scheduler]
tick = "10s"
batch = 50

[delivery]
first_retry = "2s"
max_retry = "10m"
max_attempts = 7
parallel_channels = 8
)";
}  // namespace

TEST_CASE("the defaults are the vendor's Support Program")
{
    auto const s = default_settings();
    auto const& rules = s.rules;
    auto const& hours_of = rules.support_hours();

    SUBCASE("support is open 09:00-18:00 New York time, Monday to Friday, with no holidays") {
        CHECK(hours_of.zone()->name() == "America/New_York");
        CHECK(hours_of.hours()[0].empty());  // Sunday
        for (std::size_t d = 1; d <= 5; ++d)
            CHECK(hours_of.hours()[d] == std::vector<opening>{{9h, 18h}});
        CHECK(hours_of.hours()[6].empty());  // Saturday
        CHECK(hours_of.holidays().empty());
        CHECK(hours_of.day_length() == 9h);
        CHECK(hours_of.workdays_per_week() == 5);
    }
    SUBCASE("critical: a response within 1 business hour and an update every business day") {
        CHECK(rules.policy(severity::critical).initial_response == hours(1));
        CHECK(rules.policy(severity::critical).status_update == days(1));
        CHECK(rules.initial_window(severity::critical) == 1h);
        CHECK(rules.update_window(severity::critical) == 9h);
        CHECK_FALSE(rules.policy(severity::critical).around_the_clock);
    }
    SUBCASE("normal: a response within 4 business hours and an update every business week") {
        CHECK(rules.policy(severity::normal).initial_response == hours(4));
        CHECK(rules.policy(severity::normal).status_update == business_span{0min, 0, 1});
        CHECK(rules.initial_window(severity::normal) == 4h);
        CHECK(rules.update_window(severity::normal) == 45h);
    }
    SUBCASE("low: a response within 1 business day and no timed updates") {
        CHECK(rules.policy(severity::low).initial_response == days(1));
        CHECK_FALSE(rules.policy(severity::low).status_update.has_value());
        CHECK(rules.initial_window(severity::low) == 9h);
        CHECK_FALSE(rules.update_window(severity::low).has_value());
    }
    SUBCASE("nobody is configured and the services keep their documented defaults") {
        CHECK(s.vendor == "TekStack");
        CHECK(s.database == "casebot.db");
        CHECK(s.people.customers().empty());
        CHECK(s.people.people().empty());
        CHECK(s.people.channels().empty());
        CHECK(s.server.listen == "127.0.0.1:8080");
        CHECK(s.slack.api_url == "https://slack.com/api/");
        CHECK(s.scheduler.batch == 500);
    }
}

TEST_CASE("an empty file gives the defaults")
{
    auto const s = parse_ok("");
    auto const d = default_settings();
    CHECK(s.rules.support_hours().hours() == d.rules.support_hours().hours());
    for (auto const sev : bot::all_severities) {
        CHECK(s.rules.policy(sev).initial_response == d.rules.policy(sev).initial_response);
        CHECK(s.rules.policy(sev).status_update == d.rules.policy(sev).status_update);
        CHECK(s.rules.policy(sev).reminder_lead == d.rules.policy(sev).reminder_lead);
    }
    CHECK(s.rules.escalation().repeat == d.rules.escalation().repeat);
    CHECK(s.vendor == d.vendor);
    CHECK(s.server.body_limit == d.server.body_limit);
    CHECK(s.database_synchronous == database_durability::normal);
}

TEST_CASE("database_synchronous chooses what a commit survives")
{
    CHECK(parse_ok("database_synchronous = \"full\"\n").database_synchronous == database_durability::full);
    CHECK(parse_ok("database_synchronous = \"normal\"\n").database_synchronous == database_durability::normal);
}

TEST_CASE("a full file round-trips into settings and directory")
{
    auto const s = parse_ok(full_file);
    CHECK(s.vendor == "Initech");
    CHECK(s.database == "/srv/casebot/cases.db");

    SUBCASE("support hours, holidays and the business day") {
        auto const& cal = s.rules.support_hours();
        CHECK(cal.zone()->name() == "Europe/Berlin");
        CHECK(cal.hours()[1] == std::vector<opening>{{8h, 12h}, {13h, 17h}});
        CHECK(cal.hours()[3] == std::vector<opening>{{8h, 16h}});
        CHECK(cal.hours()[6] == std::vector<opening>{{10h, 12h}});
        for (std::size_t d : {0U, 2U, 4U, 5U})
            CHECK(cal.hours()[d].empty());  // not listed: closed
        CHECK(cal.holidays() == std::set{day(2026, 12, 24), day(2026, 12, 25)});
        CHECK(cal.day_length() == 8h);
        CHECK(cal.workdays_per_week() == 3);
    }
    SUBCASE("severities override only what they name") {
        auto const& critical = s.rules.policy(severity::critical);
        CHECK(critical.initial_response == business_span{30min, 0, 0});
        CHECK(critical.status_update == hours(4));
        CHECK(critical.around_the_clock);
        CHECK(critical.reminder_lead == business_span{10min, 0, 0});
        CHECK(critical.level_of_effort == "All hands.");
        CHECK(critical.typical_resolution == "Hotfix.");
        CHECK(s.rules.initial_window(severity::critical) == 30min);

        auto const& normal = s.rules.policy(severity::normal);
        CHECK(normal.initial_response == hours(4));  // default kept
        CHECK(normal.reminder_fraction == doctest::Approx(0.5));
        CHECK(normal.reminder_lead == business_span{});
        CHECK(s.rules.reminder_lead(severity::normal, 4h) == 2h);

        auto const& low = s.rules.policy(severity::low);
        CHECK(low.initial_response == days(2));
        CHECK(low.status_update == business_span{0min, 0, 2});
        CHECK(s.rules.update_window(severity::low) == 2 * 3 * 8h);
    }
    SUBCASE("the escalation ladder and its further targets") {
        auto const& ladder = s.rules.escalation();
        CHECK(ladder.repeat == std::vector{business_span{30min, 0, 0}, hours(2)});
        CHECK(ladder.further_after == business_span{4h, 1, 0});
        auto const& targets = s.people.routes().escalation;
        REQUIRE(targets.size() == 2);
        CHECK(targets[0].where == bot::platform::teams);
        CHECK(targets[0].channel == "19:mgmt@thread.tacv2");
        CHECK(targets[1].where == bot::platform::cli);
        CHECK(targets[1].channel == "managers");
    }
    SUBCASE("routing and our own team") {
        auto const& routes = s.people.routes();
        REQUIRE(routes.agents_channels.size() == 2);
        CHECK(routes.agents_channels[0].where == bot::platform::slack);
        CHECK(routes.agents_channels[0].channel == "C0AGENTS");
        CHECK(routes.agents_channels[1].channel == "19:agents@thread.tacv2");
        CHECK(routes.slack_agents_group == "S0AGENTS");
        CHECK(routes.leads == bot::leads_delivery::direct_message);
        CHECK(routes.leads_channels.empty());
        CHECK(s.people.team().slack_team == "T0INITECH");
        CHECK_FALSE(s.people.team().team_members_are_agents);
        CHECK(s.people.team().teams_tenant == "tenant-guid");
    }
    SUBCASE("customers and their channels") {
        auto const* acme = s.people.customer("acme");
        REQUIRE(acme != nullptr);
        CHECK(acme->name == "Acme");
        CHECK(acme->slack_teams == std::vector<std::string>{"T0ACME", "T0ACMEEU"});
        auto const* globex = s.people.customer("globex");
        REQUIRE(globex != nullptr);
        CHECK(globex->name == "globex");  // the id when no name is given

        auto const* slack = s.people.channel(bot::platform::slack, "C0ACME");
        REQUIRE(slack != nullptr);
        CHECK(slack->customer == "acme");
        CHECK(slack->opens == bot::open_mode::mention_only);
        auto const* teams = s.people.channel(bot::platform::teams, "19:globex@thread.tacv2");
        REQUIRE(teams != nullptr);
        CHECK(teams->customer == "globex");
        CHECK(teams->opens == bot::open_mode::every_message);
        CHECK(teams->workflows_url == "https://example.logic.azure.com/workflows/1");
        CHECK(teams->webhook_secret == "Z2xvYmV4IHRlYW0gdG9rZW4=");   // its blanks dropped
        auto const* ops = s.people.channel(bot::platform::slack, "C0ACMEOPS");
        REQUIRE(ops != nullptr);
        CHECK(ops->customer == "acme");
        auto const* triage = s.people.channel(bot::platform::cli, "triage");
        REQUIRE(triage != nullptr);
        CHECK(triage->customer.empty());
        CHECK(s.people.channels().size() == 4);
    }
    SUBCASE("people and who they are on each platform") {
        auto const* ana = s.people.find_person("ana");
        REQUIRE(ana != nullptr);
        CHECK(ana->name == "Ana Alvarez");
        CHECK(ana->who == bot::role::agent);
        CHECK(ana->slack_user == "U0ANA");
        CHECK(ana->teams_user == "29:ana");
        CHECK(s.people.person_on(bot::platform::teams, "29:ana") == ana);
        REQUIRE(s.people.leads().size() == 1);
        CHECK(s.people.leads()[0]->id == "lea");
        auto const carol = s.people.identify(bot::platform::slack, "U0CAROL", "T0ACME", "C0ACME");
        REQUIRE(carol.has_value());
        CHECK(carol->who == bot::role::customer);
        CHECK(carol->customer == "acme");
        CHECK(carol->name == "carol");
    }
    SUBCASE("server, chat platforms, scheduler and delivery") {
        CHECK(s.server.listen == "[::1]:9443");
        CHECK(s.server.tls_certificate == "/etc/casebot/cert.pem");
        CHECK(s.server.tls_private_key == "/etc/casebot/key.pem");
        CHECK(s.server.body_limit == 1048576);
        CHECK(s.server.read_timeout == 5s);
        CHECK(s.server.idle_timeout == 120s);
        CHECK(s.server.threads == 8);
        CHECK(s.server.workers == 12);
        CHECK(s.slack.signing_secret == "file-signing");
        CHECK(s.slack.bot_token == "xoxb-file");
        CHECK(s.slack.api_url == "http://127.0.0.1:9000/api/");  // a trailing slash is added
        CHECK(s.slack.bot_user == "U0BOT");
        CHECK(s.teams.webhook_secret == "d2ViaG9vaw==");
        CHECK(s.teams.app_id == "app");
        CHECK(s.teams.app_password == "pw");
        CHECK(s.teams.tenant == "initech.example");
        CHECK(s.teams.openid_metadata_url == "https://openid.example/config");
        CHECK(s.teams.token_url == "https://token.example/token");
        CHECK(s.scheduler.tick == 10s);
        CHECK(s.scheduler.batch == 50);
        CHECK(s.delivery.first_retry == 2s);
        CHECK(s.delivery.max_retry == 600s);
        CHECK(s.delivery.max_attempts == 7);
        CHECK(s.delivery.parallel_channels == 8);
    }
}

TEST_CASE("a severity table keeps the program's defaults for the keys it leaves out")
{
    auto const s = parse_ok("[severity.low]\nstatus_update = \"1w\"\n");
    auto const& low = s.rules.policy(severity::low);
    CHECK(low.status_update == business_span{0min, 0, 1});
    CHECK(low.initial_response == days(1));
    CHECK(low.reminder_lead == hours(2));
    CHECK(s.rules.policy(severity::critical).status_update == days(1));
}

TEST_CASE("status_update \"none\" turns a severity's timed updates off")
{
    auto const s = parse_ok("[severity.critical]\nstatus_update = \"none\"\n");
    CHECK_FALSE(s.rules.update_window(severity::critical).has_value());
}

TEST_CASE("a time zone without hours keeps the default week in that zone")
{
    auto const s = parse_ok("[support]\ntime_zone = \"Europe/London\"\n");
    CHECK(s.rules.support_hours().zone()->name() == "Europe/London");
    CHECK(s.rules.support_hours().hours() == default_settings().rules.support_hours().hours());
}

TEST_CASE("secrets missing from the file come from the environment")
{
    auto const env = fake_env({{"SLACK_SIGNING_SECRET", "env-signing"},
                               {"SLACK_BOT_TOKEN", "xoxb-env"},
                               {"TEAMS_WEBHOOK_SECRET", "env-webhook"},
                               {"TEAMS_APP_ID", "env-app"},
                               {"TEAMS_APP_PASSWORD", "env-password"}});

    SUBCASE("an empty or absent value is filled in") {
        auto const s = parse_ok("[slack]\nsigning_secret = \"\"\n", env);
        CHECK(s.slack.signing_secret == "env-signing");
        CHECK(s.slack.bot_token == "xoxb-env");
        CHECK(s.teams.webhook_secret == "env-webhook");
        CHECK(s.teams.app_id == "env-app");
        CHECK(s.teams.app_password == "env-password");
    }
    SUBCASE("the file's own value is kept when set") {
        auto const s = parse_ok("[slack]\nsigning_secret = \"file-signing\"\n[teams]\napp_id = \"file-app\"\n", env);
        CHECK(s.slack.signing_secret == "file-signing");
        CHECK(s.slack.bot_token == "xoxb-env");
        CHECK(s.teams.app_id == "file-app");
        CHECK(s.teams.app_password == "env-password");
    }
    SUBCASE("with no environment the secrets stay empty") {
        auto const s = parse_ok("");
        CHECK(s.slack.signing_secret.empty());
        CHECK(s.teams.app_password.empty());
    }
    SUBCASE("an empty environment variable counts as unset") {
        auto const s = parse_ok("", fake_env({{"SLACK_BOT_TOKEN", ""}}));
        CHECK(s.slack.bot_token.empty());
    }
    SUBCASE("blanks around a secret, as a file's last newline leaves them, are dropped") {
        auto const s = parse_ok("[teams]\napp_id = \" file-app \"\n",
                                fake_env({{"SLACK_SIGNING_SECRET", "env-signing\n"}, {"SLACK_BOT_TOKEN", " \t\r\n"}}));
        CHECK(s.slack.signing_secret == "env-signing");
        CHECK(s.slack.bot_token.empty());
        CHECK(s.teams.app_id == "file-app");
    }
}

TEST_CASE("the environment overrides the Slack API URL and the database when set")
{
    constexpr std::string_view file = "database = \"file.db\"\n[slack]\napi_url = \"https://slack.example/api/\"\n";

    SUBCASE("set: the environment wins") {
        auto const s = parse_ok(file, fake_env({{"SLACK_API_URL", "http://127.0.0.1:8123/api"},
                                                {"CASEBOT_DATABASE", "/tmp/env.db"}}));
        CHECK(s.slack.api_url == "http://127.0.0.1:8123/api/");
        CHECK(s.database == "/tmp/env.db");
    }
    SUBCASE("unset: the file's values stay") {
        auto const s = parse_ok(file);
        CHECK(s.slack.api_url == "https://slack.example/api/");
        CHECK(s.database == "file.db");
    }
}

TEST_CASE("config errors read as file:line:column: key: message")
{
    CHECK(config_error{"casebot.toml", 12, 3, "severity.low.initial_response", "bad"}.what() ==
          "casebot.toml:12:3: severity.low.initial_response: bad");
    CHECK(config_error{"casebot.toml", 0, 0, "slack.api_url", "bad"}.what() == "casebot.toml: slack.api_url: bad");
    CHECK(config_error{"casebot.toml", 4, 1, "", "bad"}.what() == "casebot.toml:4:1: bad");
}

TEST_CASE("value() on a failed parse throws the error's text")
{
    auto const parsed = parse_settings("vendor = 1\n", "test.toml", no_env());
    CHECK_THROWS_WITH_AS(parsed.value(), "test.toml:1:10: vendor: expected a string, found an integer",
                         std::runtime_error);
}
