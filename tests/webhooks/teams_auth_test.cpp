// Bot Framework token validation (protocols.md §2.3) against OpenID metadata and a
// JWKS served from 127.0.0.1 by a server that counts how often it is asked, on a
// manual clock: no waiting, and every refresh rule is checked by counting fetches.
#include "webhooks/bot_framework_auth.hpp"  // first: proves the header is self-contained

#include "support/test_time.hpp"
#include "webhooks/http_client.hpp"
#include "webhooks/http_server.hpp"
#include "webhooks/jwt.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;
using bot::webhooks::auth_result;
using bot::webhooks::base64url_encode;
using bot::webhooks::bot_auth_options;
using bot::webhooks::bot_framework_auth;
using bot::webhooks::rsa_signing_key;

namespace {

constexpr std::string_view app_id = "5f2d1c0e-7a3b-4c8d-9e1f-0a2b3c4d5e6f";
constexpr std::string_view issuer = "https://api.botframework.com";
constexpr std::string_view service_url = "https://smba.trafficmanager.net/amer/";
constexpr std::string_view metadata_path = "/v1/.well-known/openidconfiguration";

// Key generation is slow: each key is made once per run, on first use.
const rsa_signing_key& key_a()
{
    static auto const key = rsa_signing_key::generate();
    return *key;
}
const rsa_signing_key& key_b()
{
    static auto const key = rsa_signing_key::generate();
    return *key;
}

// login.botframework.com in miniature: the OpenID metadata names the JWKS, both
// served on 127.0.0.1; it counts the requests and can fail or go away on demand.
class key_server {
public:
    key_server() { start(0); }
    ~key_server() { stop(); }
    key_server(const key_server&) = delete;
    key_server& operator=(const key_server&) = delete;

    void publish(json::array keys)
    {
        std::lock_guard lock(mutex_);
        keys_ = std::move(keys);
    }
    // Answer every request with this status (200: behave again).
    void answer_with(int status) { status_ = status; }
    // Down: nothing listens on the port until restart(). The server is destroyed,
    // not just stopped: after http_server::stop() its port still accepts
    // connections (nobody answers them) until the object is gone.
    void stop() { server_.reset(); }
    void restart() { start(port_); }

    // Hold metadata requests unanswered until release(); for refreshes in flight.
    void hold()
    {
        std::lock_guard lock(gate_mutex_);
        held_ = true;
    }
    void release()
    {
        {
            std::lock_guard lock(gate_mutex_);
            held_ = false;
        }
        gate_.notify_all();
    }
    // True once a metadata request is being held (false if none came within 5 s).
    bool wait_for_held_request()
    {
        std::unique_lock lock(gate_mutex_);
        return gate_.wait_for(lock, 5s, [&] { return waiting_ > 0; });
    }

    std::string metadata_url() const { return base_url() + std::string{metadata_path}; }
    int metadata_fetches() const { return metadata_fetches_; }
    int jwks_fetches() const { return jwks_fetches_; }

private:
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    void start(unsigned short port)
    {
        bot::webhooks::server_options o;
        o.port = port;
        o.threads = 1;
        o.shutdown_grace = 1s;
        server_ = std::make_unique<bot::webhooks::http_server>(
            o,
            [this](bot::webhooks::request&& req, const bot::webhooks::connection_info&,
                   bot::webhooks::responder respond) { respond(answer(req)); },
            nullptr);
        server_->start();
        port_ = server_->local_endpoint().port();
    }

    bot::webhooks::response answer(const bot::webhooks::request& req)
    {
        bot::webhooks::response res{http::status::ok, req.version()};
        res.set(http::field::content_type, "application/json; charset=utf-8");
        if (req.target() == metadata_path) {
            ++metadata_fetches_;
            std::unique_lock lock(gate_mutex_);
            if (held_) {
                ++waiting_;
                gate_.notify_all();
                gate_.wait(lock, [&] { return !held_; });
                --waiting_;
            }
            res.body() = json::serialize(json::object{{"issuer", issuer}, {"jwks_uri", base_url() + "/keys"}});
        } else if (req.target() == "/keys") {
            ++jwks_fetches_;
            std::lock_guard lock(mutex_);
            res.body() = json::serialize(json::object{{"keys", keys_}});
        } else {
            res.result(http::status::not_found);
        }
        if (status_ != 200) {
            res.result(static_cast<unsigned>(status_.load()));
            res.body() = R"({"error":"unavailable"})";
        }
        res.prepare_payload();
        return res;
    }

    std::unique_ptr<bot::webhooks::http_server> server_;
    unsigned short port_ = 0;
    std::mutex mutex_;
    json::array keys_;
    std::atomic<int> status_{200};
    std::atomic<int> metadata_fetches_{0};
    std::atomic<int> jwks_fetches_{0};
    std::mutex gate_mutex_;
    std::condition_variable gate_;
    bool held_ = false;
    int waiting_ = 0;
};

bot::webhooks::http_client_options fast_client()
{
    bot::webhooks::http_client_options o;
    o.connect_timeout = 1'000ms;
    o.request_timeout = 2'000ms;
    return o;
}

json::object endorsed(json::object jwk, json::array channels)
{
    jwk["endorsements"] = std::move(channels);
    return jwk;
}

std::int64_t seconds(bot::wall_time t)
{
    return t.time_since_epoch().count();
}

// A compact JWS with any header and signature (for algorithms and forgeries sign() won't make).
std::string hand_made(const json::object& header, const json::object& claims, std::string_view signature)
{
    return base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(claims)) + "."
           + base64url_encode(signature);
}

// The server, a client, a clock and the validator under test; key "a" is published.
struct world {
    key_server keys;
    bot::webhooks::http_client client{fast_client()};
    bot::test::manual_clock clock{bot::test::utc("2026-03-06T12:00:00Z")};
    bot_framework_auth auth{client, options(), clock};

    world() { keys.publish(json::array{key_a().public_jwk("a")}); }

    bot_auth_options options() const
    {
        bot_auth_options o;
        o.app_id = std::string{app_id};
        o.openid_metadata_url = keys.metadata_url();
        return o;
    }

    // What the Bot Connector sends: valid for an hour from now.
    json::object claims() const
    {
        auto const now = clock.now();
        return json::object{{"serviceurl", service_url},
                            {"nbf", seconds(now - 5min)},
                            {"exp", seconds(now + 1h)},
                            {"iss", issuer},
                            {"aud", app_id}};
    }

    std::string token(std::string_view kid = "a", const rsa_signing_key& key = key_a()) const
    {
        return key.sign(claims(), kid);
    }

    auth_result check(std::string_view token, std::string_view channel = "msteams",
                      std::string_view url = service_url)
    {
        return auth.validate("Bearer " + std::string{token}, channel, url);
    }
};

}  // namespace

TEST_CASE("a token signed with a published key, for our app and this activity, is valid")
{
    world w;
    auto const token = w.token();
    auto const first = w.check(token);
    CHECK(first.valid);
    CHECK(first.problem == "");
    CHECK(w.keys.metadata_fetches() == 1);
    CHECK(w.keys.jwks_fetches() == 1);

    SUBCASE("later tokens use the cached keys") {
        w.clock.advance(10min);
        CHECK(w.check(w.token()).valid);
        CHECK(w.check(w.token()).valid);
        CHECK(w.keys.metadata_fetches() == 1);
        CHECK(w.keys.jwks_fetches() == 1);
    }
    SUBCASE("the Bearer scheme is matched case-insensitively") {
        CHECK(w.auth.validate("bearer " + token, "msteams", service_url).valid);
        CHECK(w.auth.validate("BEARER  " + token + " ", "msteams", service_url).valid);
    }
    SUBCASE("a key without endorsements signs for any channel") {
        CHECK(w.check(token, "webchat").valid);
        CHECK(w.check(token, "").valid);
    }
    SUBCASE("RS384 and RS512 tokens are valid too") {
        for (auto alg : {"RS384", "RS512"}) {
            CAPTURE(alg);
            json::object const header{{"alg", alg}, {"typ", "JWT"}, {"kid", "a"}};
            auto const input = base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(w.claims()));
            auto const sig = key_a().signature_of(alg, input);
            CHECK(w.check(input + "." + base64url_encode(sig)).valid);
        }
    }
}

TEST_CASE("the audience must be our app id, as a string or in an array")
{
    world w;
    auto claims = w.claims();

    SUBCASE("another app's token is refused") {
        claims["aud"] = "00000000-0000-0000-0000-000000000000";
        auto const r = w.check(key_a().sign(claims, "a"));
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "audience is not our app id");
    }
    SUBCASE("an array that contains our app id is accepted") {
        claims["aud"] = json::array{"https://api.botframework.com", app_id};
        CHECK(w.check(key_a().sign(claims, "a")).valid);
    }
    SUBCASE("an array without it is refused") {
        claims["aud"] = json::array{"https://api.botframework.com", "someone-else"};
        CHECK(w.check(key_a().sign(claims, "a")).problem == "audience is not our app id");
    }
    SUBCASE("a missing or oddly typed audience is refused") {
        claims.erase("aud");
        CHECK(w.check(key_a().sign(claims, "a")).problem == "audience is not our app id");
        claims["aud"] = 42;
        CHECK(w.check(key_a().sign(claims, "a")).problem == "audience is not our app id");
        claims["aud"] = json::object{{"id", app_id}};
        CHECK(w.check(key_a().sign(claims, "a")).problem == "audience is not our app id");
    }
    SUBCASE("an empty audience never matches") {
        claims["aud"] = "";
        CHECK_FALSE(w.check(key_a().sign(claims, "a")).valid);
    }
}

TEST_CASE("a token from another issuer is refused")
{
    world w;
    auto claims = w.claims();
    SUBCASE("a different issuer") {
        claims["iss"] = "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/";
    }
    SUBCASE("no issuer") {
        claims.erase("iss");
    }
    SUBCASE("an issuer that is not a string") {
        claims["iss"] = json::array{issuer};
    }
    auto const r = w.check(key_a().sign(claims, "a"));
    CHECK_FALSE(r.valid);
    CHECK(r.problem == "issuer not accepted");
}

TEST_CASE("an expired token is refused once five minutes' tolerance are over")
{
    world w;
    auto claims = w.claims();
    auto const now = w.clock.now();

    SUBCASE("expired 4 minutes ago: still valid") {
        claims["exp"] = seconds(now - 4min);
        CHECK(w.check(key_a().sign(claims, "a")).valid);
    }
    SUBCASE("expired exactly 5 minutes ago: still valid") {
        claims["exp"] = seconds(now - 5min);
        CHECK(w.check(key_a().sign(claims, "a")).valid);
    }
    SUBCASE("expired 6 minutes ago: refused") {
        claims["exp"] = seconds(now - 6min);
        auto const r = w.check(key_a().sign(claims, "a"));
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "token expired");
    }
    SUBCASE("a fractional exp is read as a number") {
        claims["exp"] = static_cast<double>(seconds(now + 1h)) + 0.5;
        CHECK(w.check(key_a().sign(claims, "a")).valid);
        claims["exp"] = static_cast<double>(seconds(now - 6min)) + 0.5;
        CHECK(w.check(key_a().sign(claims, "a")).problem == "token expired");
    }
    SUBCASE("a token without exp is refused") {
        claims.erase("exp");
        CHECK(w.check(key_a().sign(claims, "a")).problem == "token has no expiry");
        claims["exp"] = std::to_string(seconds(now + 1h));   // a string is not a NumericDate
        CHECK(w.check(key_a().sign(claims, "a")).problem == "token has no expiry");
    }
}

TEST_CASE("a token that is not yet valid is refused beyond five minutes' tolerance")
{
    world w;
    auto claims = w.claims();
    auto const now = w.clock.now();

    SUBCASE("valid from 4 minutes ahead: accepted") {
        claims["nbf"] = seconds(now + 4min);
        CHECK(w.check(key_a().sign(claims, "a")).valid);
    }
    SUBCASE("valid from 6 minutes ahead: refused") {
        claims["nbf"] = seconds(now + 6min);
        auto const r = w.check(key_a().sign(claims, "a"));
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "token not yet valid");
    }
    SUBCASE("no nbf at all: accepted") {
        claims.erase("nbf");
        CHECK(w.check(key_a().sign(claims, "a")).valid);
    }
    SUBCASE("an nbf that is not a number: refused") {
        claims["nbf"] = "soon";
        CHECK(w.check(key_a().sign(claims, "a")).problem == "token has a malformed not-before");
    }
}

TEST_CASE("an unknown key id fails and refreshes the keys, at most once an hour")
{
    world w;
    REQUIRE(w.check(w.token()).valid);
    REQUIRE(w.keys.metadata_fetches() == 1);

    // Within a minute of a fetch, not even an unknown kid fetches again.
    w.clock.advance(59s);
    CHECK(w.check(w.token("rotated-0")).problem == "unknown signing key id");
    CHECK(w.keys.metadata_fetches() == 1);

    w.clock.advance(1s);
    auto const r = w.check(w.token("rotated-1"));
    CHECK_FALSE(r.valid);
    CHECK(r.problem == "unknown signing key id");
    CHECK(w.keys.metadata_fetches() == 2);
    CHECK(w.keys.jwks_fetches() == 2);

    // A second unknown kid within the hour: no fetch, however many arrive.
    w.clock.advance(10min);
    for (int i = 0; i < 20; ++i)
        CHECK(w.check(w.token("rotated-" + std::to_string(i))).problem == "unknown signing key id");
    w.clock.advance(49min + 59s);
    CHECK_FALSE(w.check(w.token("rotated-2")).valid);
    CHECK(w.keys.metadata_fetches() == 2);

    // After the hour, it does.
    w.clock.advance(1s);
    CHECK_FALSE(w.check(w.token("rotated-3")).valid);
    CHECK(w.keys.metadata_fetches() == 3);
    CHECK(w.keys.jwks_fetches() == 3);

    // Known keys kept working throughout.
    CHECK(w.check(w.token()).valid);
    CHECK(w.keys.metadata_fetches() == 3);
}

TEST_CASE("a key published later is picked up through the unknown-kid refresh")
{
    world w;
    REQUIRE(w.check(w.token()).valid);

    // Microsoft adds key "b", then starts signing with it.
    w.clock.advance(3h);
    w.keys.publish(json::array{key_a().public_jwk("a"), key_b().public_jwk("b")});
    CHECK(w.check(w.token("b", key_b())).valid);
    CHECK(w.keys.metadata_fetches() == 2);

    SUBCASE("once key a is withdrawn, the next refresh forgets it") {
        w.keys.publish(json::array{key_b().public_jwk("b")});
        w.clock.advance(24h);
        auto const r = w.check(w.token("a", key_a()));
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "unknown signing key id");
        CHECK(w.check(w.token("b", key_b())).valid);
    }
    SUBCASE("a token signed by one key but naming another's kid is refused") {
        auto const r = w.check(w.token("a", key_b()));
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "bad signature");
    }
}

TEST_CASE("a key with endorsements signs only for the channels it names")
{
    world w;
    w.keys.publish(json::array{endorsed(key_a().public_jwk("a"), json::array{"skype"}),
                               endorsed(key_b().public_jwk("b"), json::array{"msteams", "skype"})});

    SUBCASE("endorsed only for skype: refused for msteams") {
        auto const r = w.check(w.token("a"), "msteams");
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "signing key not endorsed for the activity's channel");
        CHECK(w.check(w.token("a"), "skype").valid);
    }
    SUBCASE("endorsed for msteams among others: accepted") {
        CHECK(w.check(w.token("b", key_b()), "msteams").valid);
    }
    SUBCASE("an activity without a channel id cannot satisfy endorsements") {
        CHECK_FALSE(w.check(w.token("b", key_b()), "").valid);
    }
    SUBCASE("channel ids are compared exactly") {
        CHECK_FALSE(w.check(w.token("b", key_b()), "MSTeams").valid);
    }
}

TEST_CASE("the serviceurl claim must match the activity's serviceUrl")
{
    world w;
    auto claims = w.claims();

    SUBCASE("another service url is refused") {
        auto const r = w.check(w.token(), "msteams", "https://attacker.example/amer/");
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "serviceurl claim does not match the activity's serviceUrl");
        CHECK_FALSE(w.check(w.token(), "msteams", "https://smba.trafficmanager.net/emea/").valid);
        CHECK_FALSE(w.check(w.token(), "msteams", "").valid);
    }
    SUBCASE("one trailing slash on either side does not matter") {
        CHECK(w.check(w.token(), "msteams", "https://smba.trafficmanager.net/amer").valid);
        claims["serviceurl"] = "https://smba.trafficmanager.net/amer";
        CHECK(w.check(key_a().sign(claims, "a"), "msteams", service_url).valid);
        CHECK_FALSE(w.check(w.token(), "msteams", "https://smba.trafficmanager.net/amer//").valid);
    }
    SUBCASE("the claim may be spelled serviceUrl") {
        claims.erase("serviceurl");
        claims["serviceUrl"] = service_url;
        CHECK(w.check(key_a().sign(claims, "a")).valid);
    }
    SUBCASE("a token without the claim is refused") {
        claims.erase("serviceurl");
        auto const r = w.check(key_a().sign(claims, "a"));
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "token has no serviceurl claim");
    }
}

TEST_CASE("headers without a usable Bearer token are refused without fetching keys")
{
    world w;
    auto const token = w.token();
    std::vector<std::string> const headers{
        "",
        token,                                   // no scheme
        "Basic " + token,
        "Bearer",
        "Bearer ",
        "Bearertoken",
        "Bearer " + token + " extra",
    };
    for (auto const& header : headers) {
        CAPTURE(header);
        auto const r = w.auth.validate(header, "msteams", service_url);
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "no Bearer token");
    }
    for (std::string_view garbage : {"garbage", "a.b.c", "e30.e30", "....", "e30.e30.e30.e30"}) {
        CAPTURE(garbage);
        auto const r = w.check(garbage);
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "malformed token");
    }
    CHECK(w.keys.metadata_fetches() == 0);
}

TEST_CASE("tokens with alg none, an HMAC alg or no kid are refused before any key is looked up")
{
    world w;
    auto const claims = w.claims();

    SUBCASE("alg none, unsigned") {
        auto const r = w.check(hand_made(json::object{{"alg", "none"}, {"kid", "a"}}, claims, ""));
        CHECK_FALSE(r.valid);
        CHECK(r.problem == "token algorithm not accepted");
    }
    SUBCASE("HS256 keyed with the public key (the classic confusion)") {
        auto const r = w.check(hand_made(json::object{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", "a"}}, claims,
                                         std::string(32, '\x5a')));
        CHECK(r.problem == "token algorithm not accepted");
    }
    SUBCASE("PS256, lower-case rs256 or no alg") {
        CHECK(w.check(hand_made(json::object{{"alg", "PS256"}, {"kid", "a"}}, claims, std::string(256, 'x'))).problem
              == "token algorithm not accepted");
        CHECK(w.check(hand_made(json::object{{"alg", "rs256"}, {"kid", "a"}}, claims, std::string(256, 'x'))).problem
              == "token algorithm not accepted");
        CHECK(w.check(hand_made(json::object{{"kid", "a"}}, claims, std::string(256, 'x'))).problem
              == "token algorithm not accepted");
    }
    SUBCASE("RS256 without a kid") {
        json::object const header{{"alg", "RS256"}, {"typ", "JWT"}};
        auto const input = base64url_encode(json::serialize(header)) + "." + base64url_encode(json::serialize(claims));
        auto const r = w.check(input + "." + base64url_encode(key_a().signature_of("RS256", input)));
        CHECK(r.problem == "token has no key id");
    }
    CHECK(w.keys.metadata_fetches() == 0);
}

TEST_CASE("a token whose payload was changed after signing is refused")
{
    world w;
    auto const token = w.token();
    REQUIRE(w.check(token).valid);
    auto const first_dot = token.find('.');
    auto const second_dot = token.rfind('.');
    auto const header_part = token.substr(0, first_dot);
    auto const signature_part = token.substr(second_dot + 1);

    auto claims = w.claims();
    std::string claims_text;
    SUBCASE("another serviceurl") {
        claims["serviceurl"] = "https://attacker.example/";
        claims_text = json::serialize(claims);
    }
    SUBCASE("a later expiry") {
        claims["exp"] = seconds(w.clock.now() + 24h);
        claims_text = json::serialize(claims);
    }
    SUBCASE("the very same claims, serialized differently") {
        claims_text = json::serialize(claims) + " ";
    }
    auto const forged = header_part + "." + base64url_encode(claims_text) + "." + signature_part;
    auto const r = w.check(forged, "msteams", claims.at("serviceurl").as_string());
    CHECK_FALSE(r.valid);
    CHECK(r.problem == "bad signature");
    CHECK(r.problem.find(token) == std::string::npos);
}

TEST_CASE("the keys are refreshed after 24 hours, and a failed refresh keeps the old ones")
{
    world w;
    REQUIRE(w.check(w.token()).valid);
    w.clock.advance(23h + 59min + 59s);
    CHECK(w.check(w.token()).valid);
    CHECK(w.keys.metadata_fetches() == 1);

    w.clock.advance(1s);
    CHECK(w.check(w.token()).valid);
    CHECK(w.keys.metadata_fetches() == 2);
    CHECK(w.keys.jwks_fetches() == 2);

    SUBCASE("Microsoft answering 503 at the next refresh") {
        w.keys.answer_with(503);
        w.clock.advance(24h);
        CHECK(w.check(w.token()).valid);   // the old keys still do
        CHECK(w.keys.metadata_fetches() == 3);

        // Retried, but not more often than once a minute.
        w.clock.advance(59s);
        for (int i = 0; i < 10; ++i)
            CHECK(w.check(w.token()).valid);
        CHECK(w.keys.metadata_fetches() == 3);
        w.clock.advance(1s);
        CHECK(w.check(w.token()).valid);
        CHECK(w.keys.metadata_fetches() == 4);

        // Back to normal: the next retry succeeds and brings the new key set.
        w.keys.answer_with(200);
        w.keys.publish(json::array{key_b().public_jwk("b")});
        w.clock.advance(1min);
        CHECK(w.check(w.token("b", key_b())).valid);
        CHECK(w.keys.metadata_fetches() == 5);
        CHECK(w.keys.jwks_fetches() == 3);   // the 503s never got as far as the JWKS
        CHECK(w.check(w.token("a")).problem == "unknown signing key id");
    }
}

TEST_CASE("when the metadata server is down, tokens are invalid and it is asked again at most once a minute")
{
    world w;
    w.keys.stop();
    auto const token = w.token();
    auto const r = w.check(token);
    CHECK_FALSE(r.valid);
    CHECK(r.problem.find("signing keys unavailable") == 0);
    CHECK(r.problem.find("openid metadata fetch failed: cannot connect") != std::string::npos);
    CHECK(r.problem.find(token) == std::string::npos);

    // Up again, but the validator waits out its minute.
    w.keys.restart();
    w.clock.advance(30s);
    CHECK(w.check(w.token()).problem.find("signing keys unavailable") == 0);
    w.clock.advance(29s);
    CHECK_FALSE(w.check(w.token()).valid);
    CHECK(w.keys.metadata_fetches() == 0);

    w.clock.advance(1s);
    CHECK(w.check(w.token()).valid);
    CHECK(w.keys.metadata_fetches() == 1);
}

TEST_CASE("answers that are not usable key sets count as failed fetches")
{
    world w;
    SUBCASE("an HTTP error") {
        w.keys.answer_with(500);
        CHECK(w.check(w.token()).problem == "signing keys unavailable (last key fetch failed: openid metadata fetch "
                                            "failed: HTTP 500)");
    }
    SUBCASE("a JWKS with only unusable keys") {
        auto no_n = key_a().public_jwk("no-n");
        no_n.erase("n");
        auto encryption = key_a().public_jwk("enc");
        encryption["use"] = "enc";
        auto bad_endorsements = key_a().public_jwk("a");
        bad_endorsements["endorsements"] = "msteams";
        w.keys.publish(json::array{
            json::object{{"kty", "EC"}, {"kid", "ec"}, {"crv", "P-256"}, {"x", "AA"}, {"y", "AA"}},
            json::object{{"kty", "RSA"}, {"kid", "small"}, {"n", base64url_encode(std::string(128, '\xc3'))}, {"e", "AQAB"}},
            no_n, encryption, bad_endorsements, "not a key", 42});
        CHECK(w.check(w.token()).problem
              == "signing keys unavailable (last key fetch failed: jwks has no usable RSA signing keys)");
    }
    CHECK(w.keys.metadata_fetches() == 1);
}

TEST_CASE("without an app id every token is refused, and no keys are fetched")
{
    world w;
    auto options = w.options();
    options.app_id.clear();
    bot_framework_auth unconfigured{w.client, options, w.clock};
    auto const r = unconfigured.validate("Bearer " + w.token(), "msteams", service_url);
    CHECK_FALSE(r.valid);
    CHECK(r.problem == "no app id configured");
    CHECK(w.keys.metadata_fetches() == 0);
}

TEST_CASE("callers arriving together wait for one fetch of the keys")
{
    world w;
    auto const token = w.token();
    std::atomic<int> valid{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < 8; ++i)
        callers.emplace_back([&] {
            if (w.check(token).valid)
                ++valid;
        });
    for (auto& t : callers)
        t.join();
    CHECK(valid == 8);
    CHECK(w.keys.metadata_fetches() == 1);
    CHECK(w.keys.jwks_fetches() == 1);
}

TEST_CASE("while the keys are being refreshed, cached keys are used at once and one fetch serves everyone")
{
    world w;
    REQUIRE(w.check(w.token()).valid);
    w.clock.advance(24h);   // the next call refreshes
    auto const token_a = w.token();
    auto const token_b = w.token("b", key_b());
    w.keys.publish(json::array{key_a().public_jwk("a"), key_b().public_jwk("b")});
    w.keys.hold();

    std::atomic<bool> refresher_done{false};
    std::atomic<bool> refresher_valid{false};
    std::thread refresher([&] {
        refresher_valid = w.check(token_a).valid;
        refresher_done = true;
    });
    REQUIRE(w.keys.wait_for_held_request());

    // Key a is cached: no waiting for the refresh in flight.
    CHECK(w.check(token_a).valid);
    CHECK_FALSE(refresher_done);

    // Key b is not: this caller waits for the refresh instead of starting another.
    std::atomic<bool> waiter_valid{false};
    std::thread waiter([&] { waiter_valid = w.check(token_b).valid; });

    w.keys.release();
    refresher.join();
    waiter.join();
    CHECK(refresher_valid);
    CHECK(waiter_valid);
    CHECK(w.keys.metadata_fetches() == 2);
    CHECK(w.keys.jwks_fetches() == 2);
}
