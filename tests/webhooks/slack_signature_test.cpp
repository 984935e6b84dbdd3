#include "webhooks/signature.hpp"

#include "support/test_time.hpp"

#include <doctest/doctest.h>

using namespace bot::webhooks;
using bot::test::utc;

namespace {
// Slack's published example (protocols.md §1.1), verbatim.
constexpr std::string_view secret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr std::string_view timestamp = "1531420618";
constexpr std::string_view body =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name="
    "foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks."
    "slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015."
    "47445629121.803a0bc887a14d10d2c447fce8b6703c";
constexpr std::string_view expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
const auto signed_at = bot::wall_time{std::chrono::seconds{1531420618}};

// protocols.md §2.1: the 606-byte Activity and its verified HMAC.
constexpr std::string_view teams_secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr std::string_view teams_body =
    R"({"type":"message","id":"1717236000000","timestamp":"2024-06-01T10:00:00.000Z","serviceUrl":"https://smba.trafficmanager.net/amer/","channelId":"msteams","from":{"id":"29:1a2b3c","name":"Megan Bowen","aadObjectId":"11111111-2222-3333-4444-555555555555"},"conversation":{"isGroup":true,"id":"19:abc123@thread.tacv2;messageid=1717236000000"},"text":"<at>Acme Bot</at> status","channelData":{"teamsChannelId":"19:abc123@thread.tacv2","teamsTeamId":"19:def456@thread.tacv2","channel":{"id":"19:abc123@thread.tacv2"},"team":{"id":"19:def456@thread.tacv2"},"tenant":{"id":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}}})";
}  // namespace

TEST_CASE("Slack's published example signature is reproduced and accepted")
{
    CHECK(slack_signature(secret, timestamp, body) == expected);
    CHECK(verify_slack_signature(secret, timestamp, expected, body, signed_at) == signature_check::valid);
}

TEST_CASE("a trailing newline, another secret or a changed byte is a mismatch")
{
    CHECK(slack_signature(secret, timestamp, std::string{body} + "\n") ==
          "v0=cd6e978e01f84942f68ed6beb6ebb6b8211482e1482d56db2a154700186df710");
    CHECK(verify_slack_signature(secret, timestamp, expected, std::string{body} + "\n", signed_at) ==
          signature_check::mismatch);
    CHECK(verify_slack_signature("another-secret", timestamp, expected, body, signed_at) == signature_check::mismatch);
    auto tampered = std::string{body};
    tampered[10] = 'X';
    CHECK(verify_slack_signature(secret, timestamp, expected, tampered, signed_at) == signature_check::mismatch);
}

TEST_CASE("signing with one secret, then another, then the first again gives each its own signature")
{
    // A reload may change the secret between two requests on one thread: nothing
    // of one secret's computation may leak into the next.
    auto const first = slack_signature(secret, timestamp, body);
    auto const other = slack_signature("another-secret", timestamp, body);
    CHECK(first == expected);
    CHECK(other != expected);
    CHECK(slack_signature(secret, timestamp, body) == expected);
    CHECK(slack_signature("another-secret", timestamp, body) == other);
    CHECK(slack_signature("", timestamp, body) != expected);   // an empty key is a key too
}

TEST_CASE("one secret many times over, and a secret of the same length differing in one byte")
{
    // Each thread keeps its context set up for the last secret: every reuse must start
    // the MAC over, and a same-sized secret must not pass for the kept one.
    for (int i = 0; i < 3; ++i)
        CHECK(slack_signature(secret, timestamp, body) == expected);
    std::string near{secret};
    near.back() = near.back() == '5' ? '6' : '5';
    auto const near_signature = slack_signature(near, timestamp, body);
    CHECK(near_signature != expected);
    CHECK(slack_signature(near, timestamp, body) == near_signature);
    CHECK(slack_signature(secret, timestamp, body) == expected);
    // Another message under the kept secret (no timestamp), then the real one: each MAC
    // starts from the key alone, never from what the one before fed in.
    CHECK(slack_signature(secret, "", body) != expected);
    CHECK(slack_signature(secret, timestamp, body) == expected);
}

TEST_CASE("the five-minute window holds both ways")
{
    using std::chrono::seconds;
    CHECK(verify_slack_signature(secret, timestamp, expected, body, signed_at + seconds{300}) == signature_check::valid);
    CHECK(verify_slack_signature(secret, timestamp, expected, body, signed_at + seconds{301}) == signature_check::stale);
    CHECK(verify_slack_signature(secret, timestamp, expected, body, signed_at - seconds{300}) == signature_check::valid);
    CHECK(verify_slack_signature(secret, timestamp, expected, body, signed_at - seconds{301}) == signature_check::stale);
}

TEST_CASE("missing or malformed headers are refused without computing anything")
{
    CHECK(verify_slack_signature(secret, "", expected, body, signed_at) == signature_check::missing);
    CHECK(verify_slack_signature(secret, timestamp, "", body, signed_at) == signature_check::missing);
    CHECK(verify_slack_signature(secret, "15314206l8", expected, body, signed_at) == signature_check::malformed);
    CHECK(verify_slack_signature(secret, timestamp, "v1=" + std::string{expected.substr(3)}, body, signed_at) ==
          signature_check::malformed);
    CHECK(verify_slack_signature(secret, timestamp, expected.substr(0, 20), body, signed_at) ==
          signature_check::malformed);
    CHECK(verify_slack_signature(secret, "99999999999999999999999", expected, body, signed_at) ==
          signature_check::malformed);
}

TEST_CASE("Teams' HMAC vector is reproduced with the base64-decoded key, not the text of it")
{
    CHECK(teams_body.size() == 606);
    CHECK(teams_signature(teams_secret, teams_body) == "HMAC ZlSY97WaXrYC6eAlO2DOAYsChR+CyecwDvLdSXExp4w=");
    CHECK(verify_teams_signature(teams_secret, "HMAC ZlSY97WaXrYC6eAlO2DOAYsChR+CyecwDvLdSXExp4w=", teams_body) ==
          signature_check::valid);
    // The bug protocols.md warns about: the ASCII of the base64 string as the key.
    CHECK(verify_teams_signature(teams_secret, "HMAC bD0VOtco7pq57i/K6U0idzUZLNzYnB5YKDRIc3q+ArU=", teams_body) ==
          signature_check::mismatch);
    auto tampered = std::string{teams_body};
    tampered.replace(tampered.find("status"), 6, "Status");
    CHECK(verify_teams_signature(teams_secret, "HMAC ZlSY97WaXrYC6eAlO2DOAYsChR+CyecwDvLdSXExp4w=", tampered) ==
          signature_check::mismatch);
    CHECK(verify_teams_signature(teams_secret, "", teams_body) == signature_check::missing);
    CHECK(verify_teams_signature(teams_secret, "Bearer abc", teams_body) == signature_check::malformed);
    CHECK(verify_teams_signature("not base64!", "HMAC abc=", teams_body) == signature_check::mismatch);
}

TEST_CASE("secrets compare equal only when they are the same length and bytes")
{
    CHECK(same_secret("abc", "abc"));
    CHECK_FALSE(same_secret("abc", "abd"));
    CHECK_FALSE(same_secret("abc", "abcd"));
    CHECK(same_secret("", ""));
}
