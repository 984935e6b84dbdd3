// The files we ship: the documented example and the scripted demo's world.
#include "config/settings.hpp"

#include "parse_helpers.hpp"

#include <date/tz.h>
#include <doctest/doctest.h>

#include <string>

namespace {
using namespace bot::config;
using namespace bot::config::test;

std::string source_file(std::string_view relative)
{
    return std::string{CASEBOT_SOURCE_DIR} + "/" + std::string{relative};
}

settings load_ok(const std::string& path, const env_lookup& env = no_env())
{
    auto loaded = load_settings(path, env);
    if (!loaded)
        FAIL(loaded.error().what());
    return std::move(*loaded);
}
}  // namespace

TEST_CASE("the example configuration parses")
{
    auto const s = load_ok(source_file("config/casebot.example.toml"));
    CHECK(s.vendor == "TekStack");
    CHECK(s.rules.support_hours().zone()->name() == "America/New_York");
    CHECK(s.rules.support_hours().holidays().size() == 2);
    CHECK(s.people.customers().size() == 2);
    CHECK(s.people.leads().size() == 1);
    CHECK(s.people.routes().agents_channels.size() == 1);
    CHECK(s.people.routes().leads_channels.size() == 1);
    CHECK(s.rules.policy(bot::severity::low).reminder_fraction == doctest::Approx(0.25));

    auto const* acme_channel = s.people.channel(bot::platform::slack, "C0ACMESUPPORT");
    REQUIRE(acme_channel != nullptr);
    CHECK(acme_channel->customer == "acme");
    auto const* globex_channel = s.people.channel(bot::platform::teams, "19:globex-support@thread.tacv2");
    REQUIRE(globex_channel != nullptr);
    CHECK(globex_channel->customer == "globex");
}

TEST_CASE("the example configuration takes its secrets from the environment")
{
    auto const s = load_ok(source_file("config/casebot.example.toml"),
                           fake_env({{"SLACK_SIGNING_SECRET", "sig"}, {"TEAMS_APP_PASSWORD", "pw"}}));
    CHECK(s.slack.signing_secret == "sig");
    CHECK(s.teams.app_password == "pw");
}

TEST_CASE("demo.toml describes the scripted demo's world")
{
    auto const s = load_ok(source_file("config/demo.toml"));
    auto const& people = s.people;
    CHECK(s.vendor == "TekStack");
    CHECK(s.rules.support_hours().holidays().empty());

    SUBCASE("acme on Slack Connect and globex on Teams") {
        auto const* acme = people.channel(bot::platform::slack, "C0ACME");
        REQUIRE(acme != nullptr);
        CHECK(acme->customer == "acme");
        REQUIRE(people.customer("acme") != nullptr);
        CHECK(people.customer("acme")->slack_teams == std::vector<std::string>{"T0ACME"});
        auto const* globex = people.channel(bot::platform::teams, "19:globex@thread.tacv2");
        REQUIRE(globex != nullptr);
        CHECK(globex->customer == "globex");
    }
    SUBCASE("agents, a lead and a customer at each organisation") {
        auto role_of = [&](std::string_view id) {
            auto const* p = people.find_person(id);
            REQUIRE(p != nullptr);
            return p->who;
        };
        CHECK(role_of("ana") == bot::role::agent);
        CHECK(role_of("raj") == bot::role::agent);
        CHECK(role_of("lea") == bot::role::lead);
        CHECK(role_of("carol") == bot::role::customer);
        CHECK(role_of("gus") == bot::role::customer);
        CHECK(people.find_person("ana")->name == "Ana Alvarez");
        CHECK(people.person_on(bot::platform::teams, "29:raj") == people.find_person("raj"));
        CHECK(people.person_on(bot::platform::slack, "U0LEA") == people.find_person("lea"));
        CHECK(people.find_person("carol")->customer == "acme");
        CHECK(people.find_person("gus")->customer == "globex");
        CHECK(people.person_on(bot::platform::teams, "29:gus") == people.find_person("gus"));
    }
    SUBCASE("our team and where reminders and pings go") {
        CHECK(people.team().slack_team == "T0VENDOR");
        auto const& routes = people.routes();
        REQUIRE(routes.agents_channels.size() == 1);
        CHECK(routes.agents_channels[0] == bot::destination{bot::platform::slack, "C0AGENTS", {}, false, false, {}});
        CHECK(routes.leads == bot::leads_delivery::channel);
        REQUIRE(routes.leads_channels.size() == 1);
        CHECK(routes.leads_channels[0].channel == "C0LEADS");
        CHECK(routes.slack_agents_group == "S0AGENTS");
    }
}

TEST_CASE("a missing file is an error naming it")
{
    auto const loaded = load_settings("/nonexistent/casebot.toml", no_env());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().file == "/nonexistent/casebot.toml");
    CHECK(loaded.error().line == 0);
    CHECK(loaded.error().what() == "/nonexistent/casebot.toml: cannot read: No such file or directory");
}

TEST_CASE("a directory is not a configuration file")
{
    auto const loaded = load_settings(CASEBOT_SOURCE_DIR, no_env());
    REQUIRE_FALSE(loaded.has_value());
    CHECK(loaded.error().message == "cannot read: is a directory");
}
