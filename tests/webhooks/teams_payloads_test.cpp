#include "webhooks/teams_payloads.hpp"

#include <doctest/doctest.h>

using bot::webhooks::decode_teams_activity;
using bot::webhooks::strip_teams_markup;

TEST_CASE("the bot's mention is dropped however the client writes the tag")
{
    CHECK(strip_teams_markup("<at>casebot</at> sla") == "sla");
    CHECK(strip_teams_markup("<at id=\"0\">casebot</at> sla") == "sla");
    CHECK(strip_teams_markup("<AT>casebot</AT> show 4") == "show 4");
    CHECK(strip_teams_markup("<p><at>casebot</at>&nbsp;new low question Fonts &amp; colours</p>") ==
          "new low question Fonts & colours");
    // Other tags keep their content; a tag that only starts like a mention is not one.
    CHECK(strip_teams_markup("<b>bold</b> <atom>x</atom>") == "bold x");
    CHECK(strip_teams_markup("<at>unclosed") == "");
}

TEST_CASE("a message activity needs its id: without it a retry could not be recognised")
{
    auto const body = [](std::string_view id) {
        return std::string{R"({"type":"message",)"} + std::string{id} +
               R"("from":{"id":"29:gus"},"conversation":{"id":"19:globex@thread.tacv2"},"text":"hi"})";
    };
    CHECK(decode_teams_activity(body(R"("id":"1773000000001",)")).value);
    auto const missing = decode_teams_activity(body(""));
    CHECK_FALSE(missing.value);
    CHECK(missing.problem.find("id") != std::string::npos);
}
