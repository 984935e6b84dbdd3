#include "webhooks/bot_framework_auth.hpp"

#include "webhooks/jwt.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace bot::webhooks {
namespace {

namespace json = boost::json;

// At most one fetch (metadata and JWKS) per this interval, whatever the reason: a
// flood of bad tokens, or an outage at Microsoft, cannot turn every request into a
// fetch, and a failed fetch is retried on the first call after it.
constexpr std::chrono::seconds min_fetch_interval{60};

struct signing_key {
    std::shared_ptr<const rsa_public_key> key;
    bool endorsed = false;                    // the JWK had an "endorsements" member
    std::vector<std::string> endorsements;    // channel ids the key may sign for
};

using key_map = std::map<std::string, signing_key, std::less<>>;

bool iequals(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto const lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Service URLs are compared without one trailing '/': the Bot Connector's usually
// ends in one, and "https://x/amer" and "https://x/amer/" name the same endpoint.
std::string_view without_trailing_slash(std::string_view s) noexcept
{
    if (!s.empty() && s.back() == '/')
        s.remove_suffix(1);
    return s;
}

const json::string* string_member(const json::object& o, std::string_view name)
{
    auto const* v = o.if_contains(name);
    return v ? v->if_string() : nullptr;
}

// A NumericDate claim as whole seconds since the epoch (fractions dropped, huge
// values clamped); nullopt when it is not a number.
std::optional<std::int64_t> seconds_claim(const json::value& v)
{
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    if (auto const* i = v.if_int64())
        return *i;
    if (auto const* u = v.if_uint64())
        return *u > static_cast<std::uint64_t>(max) ? max : static_cast<std::int64_t>(*u);
    if (auto const* d = v.if_double()) {
        if (!std::isfinite(*d))
            return std::nullopt;
        auto const whole = std::floor(*d);
        if (whole >= 9.2e18)
            return max;
        if (whole <= -9.2e18)
            return min;
        return static_cast<std::int64_t>(whole);
    }
    return std::nullopt;
}

bool audience_matches(const json::value& aud, std::string_view app_id)
{
    if (auto const* s = aud.if_string())
        return *s == app_id;
    if (auto const* a = aud.if_array())
        return std::any_of(a->begin(), a->end(), [&](const json::value& v) {
            auto const* s = v.if_string();
            return s && *s == app_id;
        });
    return false;
}

// The JSON object in a 2xx answer, or a problem naming what went wrong (never the body).
std::optional<json::object> fetch_json(http_client& client, const std::string& url, std::string_view what,
                                       std::string& problem)
{
    auto const r = client.get(url, {{"Accept", "application/json"}});
    if (r.transport_failed()) {
        problem = std::string{what} + " fetch failed: " + r.error;
        return std::nullopt;
    }
    if (r.status < 200 || r.status > 299) {
        problem = std::string{what} + " fetch failed: HTTP " + std::to_string(r.status);
        return std::nullopt;
    }
    boost::system::error_code ec;
    auto value = json::parse(r.body, ec);
    if (ec || !value.is_object()) {
        problem = std::string{what} + " is not a JSON object";
        return std::nullopt;
    }
    return std::move(value.as_object());
}

// The usable RSA signing keys of a JWKS; others (EC keys, encryption keys, broken
// entries) are skipped.
key_map read_jwks(const json::object& jwks)
{
    key_map keys;
    auto const* list = jwks.if_contains("keys");
    if (!list || !list->is_array())
        return keys;
    for (auto const& entry : list->get_array()) {
        auto const* jwk = entry.if_object();
        if (!jwk)
            continue;
        auto const* kty = string_member(*jwk, "kty");
        auto const* kid = string_member(*jwk, "kid");
        auto const* n = string_member(*jwk, "n");
        auto const* e = string_member(*jwk, "e");
        auto const* use = jwk->if_contains("use");
        if (!kty || *kty != "RSA" || !kid || kid->empty() || !n || !e)
            continue;
        if (use && !(use->is_string() && use->get_string() == "sig"))
            continue;
        signing_key k;
        k.key = rsa_public_key::from_jwk(*n, *e);
        if (!k.key)
            continue;
        if (auto const* endorsements = jwk->if_contains("endorsements")) {
            // A key that names endorsements in a shape we cannot read is not trusted at all.
            auto const* a = endorsements->if_array();
            if (!a)
                continue;
            k.endorsed = true;
            for (auto const& channel : *a)
                if (auto const* s = channel.if_string())
                    k.endorsements.emplace_back(*s);
        }
        keys.insert_or_assign(std::string{*kid}, std::move(k));
    }
    return keys;
}

// Time since `then`; a clock that went backwards counts as "long ago", so the
// next call refreshes and starts over from the new time.
std::chrono::seconds since(bot::wall_time now, std::optional<bot::wall_time> then)
{
    if (!then || now < *then)
        return std::chrono::seconds::max();
    return now - *then;
}

}  // namespace

struct bot_framework_auth::impl {
    impl(http_client& c, bot_auth_options o, const bot::clock& k) : client(c), options(std::move(o)), clock(k) {}

    http_client& client;
    bot_auth_options const options;
    const bot::clock& clock;

    enum class fetch_reason { none, scheduled, unknown_kid };

    std::mutex fetch_mutex;   // one fetch at a time; held only while fetching
    mutable std::mutex state_mutex;   // guards everything below; never held while fetching
    std::shared_ptr<const key_map> keys;                 // null until the first good fetch
    std::optional<bot::wall_time> attempted_at;          // last fetch, good or not
    std::optional<bot::wall_time> fetched_at;            // last good fetch
    std::optional<bot::wall_time> kid_refreshed_at;      // last good fetch made for an unknown kid
    std::string fetch_problem;                           // why the last fetch failed; empty if it did not

    // Whether to fetch now, and why; state_mutex held.
    fetch_reason reason_to_fetch(std::string_view kid, bool fetched_this_call) const
    {
        if (fetched_this_call)
            return fetch_reason::none;
        auto const now = clock.now();
        if (since(now, attempted_at) < min_fetch_interval)
            return fetch_reason::none;
        if (!keys || since(now, fetched_at) >= options.refresh_every)
            return fetch_reason::scheduled;
        if (!keys->contains(kid) && since(now, kid_refreshed_at) >= options.unknown_kid_refresh)
            return fetch_reason::unknown_kid;
        return fetch_reason::none;
    }

    // Metadata, then the JWKS it names. Called with fetch_mutex held, not state_mutex.
    void fetch(fetch_reason reason)
    {
        std::string problem;
        std::optional<key_map> fresh;
        if (auto metadata = fetch_json(client, options.openid_metadata_url, "openid metadata", problem)) {
            auto const* jwks_uri = string_member(*metadata, "jwks_uri");
            bool const wants_tls = options.openid_metadata_url.starts_with("https://");
            if (!jwks_uri || jwks_uri->empty())
                problem = "openid metadata has no jwks_uri";
            else if (wants_tls && !jwks_uri->starts_with("https://"))
                problem = "openid metadata names a jwks_uri that is not https";
            else if (auto jwks = fetch_json(client, std::string{*jwks_uri}, "jwks", problem)) {
                auto found = read_jwks(*jwks);
                if (found.empty())
                    problem = "jwks has no usable RSA signing keys";
                else
                    fresh = std::move(found);
            }
        }

        auto const now = clock.now();
        std::lock_guard lock(state_mutex);
        attempted_at = now;
        if (!fresh) {
            // Keep the keys we have: Microsoft's old keys stay valid for a while.
            fetch_problem = std::move(problem);
            return;
        }
        keys = std::make_shared<const key_map>(std::move(*fresh));
        fetched_at = now;
        if (reason == fetch_reason::unknown_kid)
            kid_refreshed_at = now;
        fetch_problem.clear();
    }

    // The cached key for `kid`, fetching first if the cache is due; the problem when there is none.
    std::optional<signing_key> key_for(std::string_view kid, std::string& problem)
    {
        bool fetched = false;
        for (;;) {
            std::shared_ptr<const key_map> snapshot;
            fetch_reason reason;
            {
                std::lock_guard lock(state_mutex);
                snapshot = keys;
                reason = reason_to_fetch(kid, fetched);
            }
            if (reason != fetch_reason::none) {
                std::unique_lock fetching(fetch_mutex, std::try_to_lock);
                if (!fetching.owns_lock()) {
                    // Someone else is fetching: a key we already know will do meanwhile.
                    if (snapshot) {
                        if (auto it = snapshot->find(kid); it != snapshot->end())
                            return it->second;
                    }
                    fetching.lock();
                    std::lock_guard lock(state_mutex);
                    snapshot = keys;
                    reason = reason_to_fetch(kid, fetched);
                }
                if (reason != fetch_reason::none) {
                    fetch(reason);
                    fetched = true;
                    continue;   // look again at what the fetch brought
                }
            }
            if (snapshot) {
                if (auto it = snapshot->find(kid); it != snapshot->end())
                    return it->second;
            }
            std::lock_guard lock(state_mutex);
            if (snapshot)
                problem = "unknown signing key id";
            else
                problem = "signing keys unavailable";
            if (!fetch_problem.empty())
                problem += " (last key fetch failed: " + fetch_problem + ")";
            return std::nullopt;
        }
    }

    auth_result validate(std::string_view authorization, std::string_view channel_id, std::string_view service_url);
};

namespace {
auth_result fail(std::string problem)
{
    return auth_result{false, std::move(problem)};
}
}  // namespace

auth_result bot_framework_auth::impl::validate(std::string_view authorization, std::string_view channel_id,
                                               std::string_view service_url)
{
    if (options.app_id.empty())
        return fail("no app id configured");

    // "Bearer <token>": the scheme is case-insensitive (RFC 9110 §11.1).
    auto header = trim(authorization);
    auto const space = header.find(' ');
    if (space == std::string_view::npos || !iequals(header.substr(0, space), "Bearer"))
        return fail("no Bearer token");
    auto const compact = trim(header.substr(space + 1));
    if (compact.empty() || compact.find_first_of(" \t") != std::string_view::npos)
        return fail("no Bearer token");

    auto const token = parse_jwt(compact);
    if (!token)
        return fail("malformed token");
    auto const* alg = string_member(token->header, "alg");
    if (!alg || (*alg != "RS256" && *alg != "RS384" && *alg != "RS512"))
        return fail("token algorithm not accepted");
    auto const* kid = string_member(token->header, "kid");
    if (!kid || kid->empty())
        return fail("token has no key id");

    std::string problem;
    auto const key = key_for(*kid, problem);
    if (!key)
        return fail(std::move(problem));
    if (!key->key->verify(*alg, token->signing_input, token->signature))
        return fail("bad signature");

    // Only now are the claims worth reading: they are what the key vouches for.
    auto const& claims = token->claims;
    auto const* iss = string_member(claims, "iss");
    if (!iss || std::find(options.issuers.begin(), options.issuers.end(), std::string_view{*iss}) == options.issuers.end())
        return fail("issuer not accepted");
    auto const* aud = claims.if_contains("aud");
    if (!aud || !audience_matches(*aud, options.app_id))
        return fail("audience is not our app id");

    auto const now = clock.now().time_since_epoch().count();
    auto const tolerance = options.clock_tolerance.count();
    auto const* exp_value = claims.if_contains("exp");
    auto const exp = exp_value ? seconds_claim(*exp_value) : std::nullopt;
    if (!exp)
        return fail("token has no expiry");
    if (now - tolerance > *exp)
        return fail("token expired");
    if (auto const* nbf_value = claims.if_contains("nbf")) {
        auto const nbf = seconds_claim(*nbf_value);
        if (!nbf)
            return fail("token has a malformed not-before");
        if (now + tolerance < *nbf)
            return fail("token not yet valid");
    }

    if (key->endorsed) {
        if (channel_id.empty())
            return fail("activity has no channel id for the key's endorsements");
        if (std::find(key->endorsements.begin(), key->endorsements.end(), channel_id) == key->endorsements.end())
            return fail("signing key not endorsed for the activity's channel");
    }

    auto const* url = string_member(claims, "serviceurl");
    if (!url)
        url = string_member(claims, "serviceUrl");
    if (!url || url->empty())
        return fail("token has no serviceurl claim");
    if (without_trailing_slash(*url) != without_trailing_slash(service_url))
        return fail("serviceurl claim does not match the activity's serviceUrl");

    return auth_result{true, {}};
}

bot_framework_auth::bot_framework_auth(http_client& client, bot_auth_options options, const bot::clock& clock)
    : impl_(std::make_unique<impl>(client, std::move(options), clock))
{
}

bot_framework_auth::~bot_framework_auth() = default;

auth_result bot_framework_auth::validate(std::string_view authorization, std::string_view channel_id,
                                         std::string_view service_url)
{
    return impl_->validate(authorization, channel_id, service_url);
}

}  // namespace bot::webhooks
