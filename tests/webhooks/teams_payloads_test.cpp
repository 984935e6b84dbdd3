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

TEST_CASE("mentions come from the activity's entities and are written as the caller says")
{
    auto const decoded = decode_teams_activity(
        R"({"type":"message","id":"1","from":{"id":"29:lea"},"conversation":{"id":"19:c@thread.tacv2"},)"
        R"("recipient":{"id":"28:casebot"},"text":"<at>casebot</at> assign 4 <at>Raj Patel</at>",)"
        R"("entities":[{"type":"mention","text":"<at>casebot</at>","mentioned":{"id":"28:casebot","name":"casebot"}},)"
        R"({"type":"clientInfo","locale":"en-US"},)"
        R"({"type":"mention","text":"<at>Raj Patel</at>","mentioned":{"id":"29:raj","name":"Raj Patel","aadObjectId":"aad-raj"}}]})");
    REQUIRE(decoded.value);
    auto const& a = *decoded.value;
    CHECK(a.recipient_id == "28:casebot");
    REQUIRE(a.mentions.size() == 2);
    CHECK(a.mentions[1].tag == "<at>Raj Patel</at>");
    CHECK(a.mentions[1].id == "29:raj");
    CHECK(a.mentions[1].aad == "aad-raj");
    CHECK(a.mentions[1].name == "Raj Patel");

    auto const people = [](const bot::webhooks::teams_mention& m) -> std::optional<std::string> {
        if (m.id.starts_with("29:"))
            return "@" + m.id.substr(3);
        return std::nullopt;
    };
    CHECK(strip_teams_markup(a.text, a.mentions, people) == "assign 4 @raj");
    // A client that writes the tag its own way is matched by the name inside it.
    CHECK(strip_teams_markup("<at>casebot</at> assign 4 <at id=\"1\">Raj Patel</at>", a.mentions, people) ==
          "assign 4 @raj");
    // Without entities, or without a say, every mention is dropped as before.
    CHECK(strip_teams_markup(a.text) == "assign 4");
    CHECK(strip_teams_markup("<at>casebot</at> assign 4 <at>Someone Else</at>", a.mentions, people) == "assign 4");
}
