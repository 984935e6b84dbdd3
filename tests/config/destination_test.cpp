#include "config/destination.hpp"  // first: proves the header is self-contained

#include <doctest/doctest.h>

using bot::config::parse_destination;

TEST_CASE("a destination is a platform and everything after its first colon")
{
    auto const slack = parse_destination("slack:C0AGENTS");
    REQUIRE(slack.has_value());
    CHECK(*slack == bot::destination{bot::platform::slack, "C0AGENTS", {}, false, false, {}});

    auto const teams = parse_destination("teams:19:abc@thread.tacv2");
    REQUIRE(teams.has_value());
    CHECK(teams->where == bot::platform::teams);
    CHECK(teams->channel == "19:abc@thread.tacv2");

    auto const cli = parse_destination("cli:agents");
    REQUIRE(cli.has_value());
    CHECK(cli->where == bot::platform::cli);
    CHECK(cli->channel == "agents");
}

TEST_CASE("a destination without a known platform or a channel is refused")
{
    CHECK_FALSE(parse_destination("C0AGENTS").has_value());
    CHECK_FALSE(parse_destination("discord:123").has_value());
    CHECK_FALSE(parse_destination("slack:").has_value());
    CHECK_FALSE(parse_destination(":C0AGENTS").has_value());
    CHECK_FALSE(parse_destination("slack:C0 AGENTS").has_value());
    CHECK_FALSE(parse_destination("").has_value());
}
