#include "webhooks/teams_standin.hpp"

#include "webhooks/http_client.hpp"
#include "webhooks/jwt.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <string>
#include <thread>

namespace json = boost::json;
using bot::webhooks::http_client;
using bot::webhooks::http_client_options;
using bot::webhooks::http_result;
using bot::webhooks::teams_activity;
using bot::webhooks::teams_standin;
using namespace std::chrono_literals;

namespace {

constexpr auto app_id = "00000000-1111-2222-3333-444444444444";
constexpr auto app_password = "s3cret~Pa55word";
constexpr auto form_type = "application/x-www-form-urlencoded";
constexpr auto json_type = "application/json";
constexpr auto good_form = "grant_type=client_credentials&client_id=00000000-1111-2222-3333-444444444444"
                           "&client_secret=s3cret~Pa55word&scope=https%3A%2F%2Fapi.botframework.com%2F.default";

http_client_options fast_options()
{
    http_client_options o;
    o.connect_timeout = 1'000ms;
    o.request_timeout = 2'000ms;
    return o;
}

teams_standin& started(teams_standin& s)
{
    s.start();
    return s;
}

json::object object_of(const http_result& r)
{
    return json::parse(r.body).as_object();
}

// A started stand-in, a plain HTTP client, and a token it issued.
struct fixture {
    teams_standin teams{app_id, app_password};
    http_client client{fast_options()};
    std::string base = started(teams).service_url();
    std::string token = fetch_token();

    std::string fetch_token()
    {
        auto const r = client.post(teams.token_url(), form_type, good_form);
        REQUIRE(r.status == 200);
        return std::string(object_of(r).at("access_token").as_string());
    }

    http_result connector(std::string_view method, const std::string& path, const json::object& body,
                          const std::string& bearer)
    {
        std::map<std::string, std::string> headers;
        if (!bearer.empty())
            headers.emplace("Authorization", "Bearer " + bearer);
        return client.request(method, base + path, json_type, json::serialize(body), headers);
    }

    http_result connector(std::string_view method, const std::string& path, const json::object& body)
    {
        return connector(method, path, body, token);
    }
};

json::object message(std::string_view text)
{
    return json::object{{"type", "message"}, {"text", text}};
}

std::string error_code(const http_result& r)
{
    return std::string(object_of(r).at("error").at("code").as_string());
}

}  // namespace

TEST_CASE("the Teams stand-in serves on a free loopback port")
{
    teams_standin teams{app_id, app_password};
    teams.start();
    auto const base = teams.service_url();
    CHECK(base.starts_with("http://127.0.0.1:"));
    CHECK(base.ends_with("/"));
    CHECK(base != "http://127.0.0.1:0/");
    CHECK(teams.token_url() == base + "botframework/token");
    CHECK(teams.openid_metadata_url() == base + "openid/.well-known/openidconfiguration");
    auto const url = teams.workflows_url("alerts & pages");
    CHECK(url.starts_with(base + "workflows/alerts%20%26%20pages?"));
    CHECK(url.find("&sig=") != std::string::npos);
    CHECK(teams.workflows_url("alerts & pages") == url);   // one sig per workflow
    teams.stop();
    teams.stop();   // idempotent
}

TEST_CASE("the token endpoint checks the grant, the client, its secret and the scope")
{
    fixture f;
    auto const first = object_of(f.client.post(f.teams.token_url(), form_type, good_form));
    CHECK(first.at("token_type") == "Bearer");
    CHECK(first.at("expires_in") == 3600);
    CHECK(first.at("access_token").as_string().size() >= 32);
    CHECK(first.at("access_token").as_string() != f.token);   // a new one each time

    auto refused = [&](std::string form) {
        auto const r = f.client.post(f.teams.token_url(), form_type, form);
        CHECK(r.status == 400);
        return std::string(object_of(r).at("error").as_string());
    };
    std::string const good = good_form;
    auto replaced = [&](std::string_view from, std::string_view to) {
        auto s = good;
        return s.replace(s.find(from), from.size(), to);
    };
    CHECK(refused(replaced("client_credentials", "password")) == "unsupported_grant_type");
    CHECK(refused(replaced("client_id=0", "client_id=9")) == "invalid_client");
    CHECK(refused(replaced("Pa55word", "Pa55words")) == "invalid_client");
    CHECK(refused(replaced("botframework.com", "example.com")) == "invalid_scope");
    CHECK(refused(replaced("&client_secret=s3cret~Pa55word", "")) == "invalid_client");

    auto const as_json = f.client.post(f.teams.token_url(), json_type, R"({"grant_type":"client_credentials"})");
    CHECK(as_json.status == 400);
    CHECK(f.teams.calls("token") == 8);
}

TEST_CASE("connector calls need a bearer token the stand-in issued")
{
    fixture f;
    auto const none = f.connector("POST", "v3/conversations/19%3Aa/activities", message("hi"), "");
    CHECK(none.status == 401);
    CHECK(error_code(none) == "Unauthorized");
    auto const made_up = f.connector("POST", "v3/conversations/19%3Aa/activities", message("hi"), "made-up");
    CHECK(made_up.status == 401);
    CHECK(f.connector("POST", "v3/conversations/19%3Aa/activities", message("hi")).status == 201);

    f.teams.revoke_tokens();
    CHECK(f.connector("PUT", "v3/conversations/19%3Aa/activities/1", message("hi")).status == 401);
    CHECK(f.teams.calls("send") == 3);
    CHECK(f.teams.calls("update") == 1);
    CHECK(f.teams.activities().size() == 1);
}

TEST_CASE("activities are recorded in order with unique ids, and updates change them in place")
{
    fixture f;
    auto const post = [&](const std::string& path) {
        auto const r = f.connector("POST", path, message(path));
        REQUIRE(r.status == 201);
        return std::string(object_of(r).at("id").as_string());
    };
    auto const a = post("v3/conversations/19%3Aa%40thread.tacv2/activities");
    auto const b = post("v3/conversations/19%3Aa%40thread.tacv2/activities/" + a);
    auto const c = post("v3/conversations/a%3A1%40unq.gbl.spaces/activities");
    CHECK(a != b);
    CHECK(b != c);
    CHECK(a != c);

    // A reply's conversation may carry the thread: ";messageid=<root>" names the same channel.
    auto const updated = f.connector("PUT", "v3/conversations/19%3Aa%40thread.tacv2%3Bmessageid%3D" + a +
                                                "/activities/" + b,
                                     message("edited"));
    CHECK(updated.status == 200);
    CHECK(object_of(updated).at("id").as_string() == b);

    auto const seen = f.teams.activities();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].kind == "send");
    CHECK(seen[0].conversation_id == "19:a@thread.tacv2");
    CHECK(seen[0].reply_to.empty());
    CHECK(seen[1].kind == "update");
    CHECK(seen[1].activity_id == b);
    CHECK(seen[1].reply_to == a);
    CHECK(seen[1].revisions == 1);
    CHECK(seen[1].body.at("text") == "edited");
    CHECK(seen[2].conversation_id == "a:1@unq.gbl.spaces");

    SUBCASE("an unknown id, or one from another conversation, is not found") {
        for (auto const& path : {std::string("v3/conversations/19%3Aa%40thread.tacv2/activities/42"),
                                 "v3/conversations/a%3A1%40unq.gbl.spaces/activities/" + a}) {
            auto const r = f.connector("PUT", path, message("x"));
            CHECK(r.status == 404);
            CHECK(error_code(r) == "ActivityNotFound");
        }
    }
    SUBCASE("a body that is not a JSON object is refused") {
        auto const r = f.client.request("POST", f.base + "v3/conversations/x/activities", json_type, "[1]",
                                        {{"Authorization", "Bearer " + f.token}});
        CHECK(r.status == 400);
        CHECK(error_code(r) == "BadArgument");
    }
    SUBCASE("clear() forgets activities and counters, not tokens") {
        f.teams.clear();
        CHECK(f.teams.activities().empty());
        CHECK(f.teams.calls("send") == 0);
        CHECK(post("v3/conversations/x/activities") != c);   // ids stay unique
    }
}

TEST_CASE("injected failures queue up in order and are counted as calls")
{
    fixture f;
    f.teams.fail_next("send", 429, 3, 2);
    f.teams.fail_next("send", 403);
    auto const path = std::string("v3/conversations/x/activities");
    for (int i = 0; i < 2; ++i) {
        auto const r = f.connector("POST", path, message("x"));
        CHECK(r.status == 429);
        CHECK(r.header("retry-after") == "3");
        CHECK(error_code(r) == "TooManyRequests");
    }
    auto const forbidden = f.connector("POST", path, message("x"));
    CHECK(forbidden.status == 403);
    CHECK(error_code(forbidden) == "BotNotInConversationRoster");
    CHECK(f.connector("POST", path, message("x")).status == 201);
    CHECK(f.teams.calls("send") == 4);
    CHECK(f.teams.activities().size() == 1);

    f.teams.fail_next("token", 500);
    auto const token = f.client.post(f.teams.token_url(), form_type, good_form);
    CHECK(token.status == 500);
    CHECK(object_of(token).at("error") == "temporarily_unavailable");
}

TEST_CASE("a Workflows URL needs its sig and answers 202 with no body")
{
    fixture f;
    auto const url = f.teams.workflows_url("alerts");
    json::object const payload{{"type", "message"}, {"attachments", json::array{}}};
    auto const ok = f.client.post(url, json_type, json::serialize(payload));
    CHECK(ok.status == 202);
    CHECK(ok.body.empty());

    auto const without = f.client.post(url.substr(0, url.find('?')), json_type, json::serialize(payload));
    CHECK(without.status == 401);
    CHECK(error_code(without) == "DirectApiAuthorizationRequired");
    auto const never_made = f.client.post(f.base + "workflows/nobody?sig=x", json_type, "{}");
    CHECK(never_made.status == 401);

    auto const seen = f.teams.activities();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].kind == "workflow");
    CHECK(seen[0].conversation_id == "alerts");
    CHECK(seen[0].activity_id.empty());
    CHECK(seen[0].body == payload);
    CHECK(f.teams.calls("workflow") == 3);
}

TEST_CASE("wait_for sees activities posted from another thread")
{
    fixture f;
    std::thread poster([&] {
        for (int i = 0; i < 3; ++i)
            f.connector("POST", "v3/conversations/x/activities", message(std::to_string(i)));
    });
    bool const seen = f.teams.wait_for(
        [&](const std::vector<teams_activity>& all) {
            // The predicate may call back into the stand-in: no lock is held.
            return all.size() == 3 && f.teams.calls("send") == 3;
        },
        5s);
    poster.join();
    CHECK(seen);
    CHECK_FALSE(f.teams.wait_for([](const std::vector<teams_activity>& all) { return all.size() > 3; }, 20ms));
}

TEST_CASE("unknown paths and methods get 404")
{
    fixture f;
    CHECK(f.client.get(f.base + "v3/conversations/x/activities").status == 404);
    CHECK(f.client.post(f.base + "v3/conversations//activities", json_type, "{}").status == 404);
    CHECK(f.client.get(f.base + "botframework/token").status == 404);
    CHECK(f.client.post(f.base + "nothing", json_type, "{}").status == 404);
}

TEST_CASE("the OpenID metadata points at a JWKS whose keys verify minted tokens")
{
    fixture f;
    auto const meta_r = f.client.get(f.teams.openid_metadata_url());
    REQUIRE(meta_r.status == 200);
    auto const meta = object_of(meta_r);
    CHECK(meta.at("issuer") == "https://api.botframework.com");
    CHECK(meta.at("jwks_uri").as_string() == f.base + "openid/keys");
    CHECK(meta.at("id_token_signing_alg_values_supported") == json::array{"RS256"});

    auto const skype_kid = f.teams.add_key_without_msteams();
    auto const keys_r = f.client.get(std::string(meta.at("jwks_uri").as_string()));
    REQUIRE(keys_r.status == 200);
    auto const keys = object_of(keys_r).at("keys").as_array();
    REQUIRE(keys.size() == 2);
    auto const& primary = keys[0].as_object();
    CHECK(primary.at("kid") == "standin-key-1");
    CHECK(primary.at("kty") == "RSA");
    CHECK(primary.at("endorsements") == json::array{"msteams"});
    CHECK(keys[1].at("kid").as_string() == skype_kid);
    CHECK(keys[1].at("endorsements") == json::array{"skype"});

    auto const key = bot::webhooks::rsa_public_key::from_jwk(primary.at("n").as_string(), primary.at("e").as_string());
    REQUIRE(key);

    auto const service_url = "https://smba.trafficmanager.net/amer/";
    auto const minted = bot::webhooks::parse_jwt(f.teams.mint_token(app_id, service_url));
    REQUIRE(minted);
    CHECK(minted->header.at("kid") == "standin-key-1");
    CHECK(minted->header.at("alg") == "RS256");
    CHECK(key->verify("RS256", minted->signing_input, minted->signature));
    auto const& claims = minted->claims;
    CHECK(claims.at("iss") == "https://api.botframework.com");
    CHECK(claims.at("aud") == app_id);
    CHECK(claims.at("serviceurl") == service_url);
    auto const now = static_cast<std::int64_t>(std::time(nullptr));
    CHECK(claims.at("iat").as_int64() >= now - 5);
    CHECK(claims.at("iat").as_int64() <= now + 5);
    CHECK(claims.at("nbf").as_int64() == claims.at("iat").as_int64() - 1);
    CHECK(claims.at("exp").as_int64() == claims.at("iat").as_int64() + 3600);

    SUBCASE("edit changes claims before signing") {
        auto const edited = bot::webhooks::parse_jwt(f.teams.mint_token(app_id, service_url, [](json::object& c) {
            c["exp"] = 1;
            c.erase("serviceurl");
        }));
        REQUIRE(edited);
        CHECK(edited->claims.at("exp") == 1);
        CHECK_FALSE(edited->claims.contains("serviceurl"));
        CHECK(key->verify("RS256", edited->signing_input, edited->signature));
    }
    SUBCASE("a token from the key without msteams is signed by that key") {
        auto const other = bot::webhooks::parse_jwt(f.teams.mint_token(app_id, service_url, {}, skype_kid));
        REQUIRE(other);
        CHECK(other->header.at("kid").as_string() == skype_kid);
        CHECK_FALSE(key->verify("RS256", other->signing_input, other->signature));
        auto const skype_key =
            bot::webhooks::rsa_public_key::from_jwk(keys[1].at("n").as_string(), keys[1].at("e").as_string());
        REQUIRE(skype_key);
        CHECK(skype_key->verify("RS256", other->signing_input, other->signature));
    }
    SUBCASE("a token from an unpublished key names a kid the JWKS lacks") {
        auto const unknown = bot::webhooks::parse_jwt(f.teams.mint_token_with_unknown_key(app_id, service_url));
        REQUIRE(unknown);
        for (auto const& k : keys)
            CHECK(k.at("kid") != unknown->header.at("kid"));
        CHECK_FALSE(key->verify("RS256", unknown->signing_input, unknown->signature));
        CHECK(object_of(f.client.get(f.base + "openid/keys")).at("keys").as_array().size() == 2);
    }
    SUBCASE("an unknown kid is a programming error") {
        CHECK_THROWS_AS(f.teams.mint_token(app_id, service_url, {}, "no-such-kid"), std::invalid_argument);
    }
    SUBCASE("the metadata and the keys can fail on purpose") {
        f.teams.fail_next("keys", 503, 1);
        CHECK(f.client.get(f.base + "openid/keys").status == 503);
        f.teams.fail_next("openid", 500);
        CHECK(f.client.get(f.teams.openid_metadata_url()).status == 500);
        CHECK(f.teams.calls("keys") == 2);
        CHECK(f.teams.calls("openid") == 2);
    }
}
