#include "webhooks/teams_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/scheme.hpp>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <utility>

namespace bot::webhooks {

namespace {

namespace json = boost::json;

constexpr std::string_view json_type = "application/json; charset=utf-8";
constexpr std::string_view form_type = "application/x-www-form-urlencoded";

// A token is refreshed this long before it expires (protocols.md §2.3 says "cache until
// expires_in"; the margin covers clock skew and calls that take a while).
constexpr std::chrono::seconds refresh_margin{300};

// Percent-encodes one path segment (a conversation or activity id) or one form value.
// Boost.URL's own path-segment set (`pchars`: unreserved, sub-delims, ':' and '@') would
// leave ':' '@' ';' '=' '+' ',' '!' '$' '&' '\'' '(' ')' '*' as they are: legal in a path,
// but ';' is matrix-parameter syntax to some proxies, and Microsoft's SDKs send Teams ids
// ("19:abc@thread.tacv2;messageid=1") fully escaped (encodeURIComponent,
// Uri.EscapeDataString). So everything but the unreserved characters
// (A-Z a-z 0-9 - . _ ~) becomes %XX: '/', '?', '#', ':', '@', ';', '=', '+', '%', space, ….
std::string encode_component(std::string_view s)
{
    return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string form_body(const std::map<std::string, std::string>& fields)
{
    std::string body;
    for (auto const& [name, value] : fields) {
        if (!body.empty())
            body.push_back('&');
        body += encode_component(name);
        body.push_back('=');
        body += encode_component(value);
    }
    return body;
}

// The service's own words for a failure: Bot Connector and Power Automate send
// {"error":{"code":…,"message":…}}, Entra ID's token endpoint {"error":"invalid_client",…}.
// The code wins (callers compare it: "BotNotInConversationRoster"); empty when neither is there.
std::string service_error(const json::object& body)
{
    auto const* e = body.if_contains("error");
    if (e == nullptr)
        return {};
    if (e->is_string())
        return std::string(e->get_string());
    if (!e->is_object())
        return {};
    auto const& o = e->get_object();
    for (auto const* key : {"code", "message"})
        if (auto const* v = o.if_contains(key); v != nullptr && v->is_string() && !v->get_string().empty())
            return std::string(v->get_string());
    return {};
}

// An HTTP answer as a teams_call: ok on 2xx, the JSON object body, Retry-After on 429/503.
teams_call to_call(http_result const& r)
{
    teams_call out;
    if (r.transport_failed()) {
        out.transport_failed = true;
        out.error = r.error;   // names scheme, host and port only: no path, no query (sig=), no token
        return out;
    }
    out.http_status = r.status;
    out.ok = r.status >= 200 && r.status < 300;
    if (r.status == 429 || r.status == 503)
        out.retry_after = r.retry_after();
    boost::system::error_code ec;
    auto parsed = json::parse(r.body, ec);
    if (!ec && parsed.is_object())
        out.body = std::move(parsed.as_object());
    if (!out.ok) {
        out.error = service_error(out.body);
        if (out.error.empty())
            out.error = "http_" + std::to_string(r.status);
    }
    return out;
}

// An http(s) URL with a host; anything else would fail as a (retryable) transport error
// on every attempt, so it is refused up front as a final error.
bool usable_base_url(std::string_view url)
{
    auto const u = boost::urls::parse_uri(url);
    if (!u)
        return false;
    auto const scheme = u->scheme_id();
    return (scheme == boost::urls::scheme::http || scheme == boost::urls::scheme::https) && u->has_authority() &&
           !u->encoded_host().empty();
}

// A lifetime in seconds from a JSON number or numeric string; 0 when unusable. Capped at a
// year so that adding it to a time point cannot overflow.
long long seconds_value(const json::value& v)
{
    constexpr long long cap = 366LL * 24 * 3600;
    long long n = 0;
    if (v.is_int64()) {
        n = v.get_int64();
    } else if (v.is_uint64()) {
        n = cap;
    } else if (v.is_string()) {
        auto const& s = v.get_string();
        auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec == std::errc::result_out_of_range)
            n = cap;
        else if (ec != std::errc{} || end != s.data() + s.size())
            n = 0;
    }
    return std::clamp(n, 0LL, cap);
}

// {service_url}v3/conversations, with exactly one '/' between the service URL (which
// usually ends in one) and "v3".
std::string conversations_url(std::string_view service_url)
{
    std::string url(service_url);
    while (!url.empty() && url.back() == '/')
        url.pop_back();
    return url + "/v3/conversations";
}

teams_call final_failure(std::string error)
{
    teams_call out;
    out.error = std::move(error);
    return out;
}

}  // namespace

bool teams_call::retryable() const
{
    // 400/401/403/404 need a change on our side (403 BotNotInConversationRoster,
    // ConversationBlockedByUser: stop posting); a 401 has already had its token refresh.
    return transport_failed || http_status == 429 || http_status >= 500;
}

struct teams_connector::impl {
    http_client& client;
    connector_options options;
    const bot::clock& clock;
    std::string token_url;

    // Held across a whole token fetch, so only one fetch runs at a time and callers
    // that arrive meanwhile wait for its token instead of fetching their own.
    std::mutex token_mutex;
    std::string cached;             // guarded by token_mutex; empty: none
    bot::wall_time refresh_at{};    // guarded by token_mutex

    impl(http_client& c, connector_options o, const bot::clock& k)
        : client(c), options(std::move(o)), clock(k), token_url(options.token_url)
    {
        if (token_url.empty())
            token_url = "https://login.microsoftonline.com/" + encode_component(options.tenant) +
                        "/oauth2/v2.0/token";
    }

    // The cached token or a fresh one; on failure the empty string and, in `failure`, the
    // token endpoint's status, Retry-After and error prefixed "token: ".
    std::string token(teams_call& failure)
    {
        std::lock_guard lock(token_mutex);
        auto const now = clock.now();
        if (!cached.empty() && now < refresh_at)
            return cached;
        cached.clear();

        auto const r = client.post(token_url, form_type,
                                   form_body({{"grant_type", "client_credentials"},
                                              {"client_id", options.app_id},
                                              {"client_secret", options.app_password},
                                              {"scope", options.scope}}));
        failure = to_call(r);
        std::string access_token;
        long long expires_in = 0;
        if (failure.ok) {
            auto const* t = failure.body.if_contains("access_token");
            if (t != nullptr && t->is_string())
                access_token = std::string(t->get_string());
            // Entra ID sends a number; some proxies and older endpoints a string.
            if (auto const* e = failure.body.if_contains("expires_in"); e != nullptr)
                expires_in = seconds_value(*e);
        }
        if (access_token.empty()) {
            // Never the answer's body: a malformed 2xx could hold a token after all.
            if (failure.ok) {
                failure.ok = false;
                failure.error = "invalid_response";
            }
            failure.body = {};
            failure.error = "token: " + failure.error;
            return {};
        }
        failure = {};
        failure.ok = true;
        // A lifetime shorter than twice the margin: refresh halfway through instead.
        // No (or a nonsensical) lifetime: use the token for this call only.
        if (expires_in > 0) {
            auto const lifetime = std::chrono::seconds{expires_in};
            auto const margin = std::min(refresh_margin, lifetime / 2);
            cached = access_token;
            refresh_at = now + (lifetime - margin);
        }
        return access_token;
    }

    // Forgets `rejected` if it is still the cached token (another caller may have
    // replaced it already after its own 401).
    void drop(const std::string& rejected)
    {
        std::lock_guard lock(token_mutex);
        if (cached == rejected)
            cached.clear();
    }

    teams_call connector_call(std::string_view method, std::string_view service_url, std::string_view conversation_id,
                              std::string_view activity_id, bool with_activity_id, const json::object& activity)
    {
        if (!usable_base_url(service_url))
            return final_failure("invalid_service_url");
        if (conversation_id.empty())
            return final_failure("invalid_conversation_id");
        if (with_activity_id && activity_id.empty())
            return final_failure("invalid_activity_id");

        auto url = conversations_url(service_url);
        url.push_back('/');
        url += encode_component(conversation_id);
        url += "/activities";
        if (with_activity_id) {
            url.push_back('/');
            url += encode_component(activity_id);
        }
        return authorized_call(method, url, json::serialize(activity));
    }

    // One retry, with a fresh token, when the connector refuses the token we had.
    teams_call authorized_call(std::string_view method, const std::string& url, const std::string& body)
    {
        for (int attempt = 0;; ++attempt) {
            teams_call failure;
            auto const bearer = token(failure);
            if (bearer.empty())
                return failure;
            auto out = to_call(client.request(method, url, json_type, body, {{"Authorization", "Bearer " + bearer}}));
            if (out.http_status != 401 || attempt > 0)
                return out;
            drop(bearer);
        }
    }
};

teams_connector::teams_connector(http_client& client, connector_options options, const bot::clock& clock)
    : impl_(std::make_unique<impl>(client, std::move(options), clock))
{
}

teams_connector::~teams_connector() = default;

teams_call teams_connector::send(std::string_view service_url, std::string_view conversation_id,
                                 const json::object& activity)
{
    return impl_->connector_call("POST", service_url, conversation_id, {}, false, activity);
}

teams_call teams_connector::reply(std::string_view service_url, std::string_view conversation_id,
                                  std::string_view reply_to, const json::object& activity)
{
    return impl_->connector_call("POST", service_url, conversation_id, reply_to, true, activity);
}

teams_call teams_connector::update(std::string_view service_url, std::string_view conversation_id,
                                   std::string_view activity_id, const json::object& activity)
{
    return impl_->connector_call("PUT", service_url, conversation_id, activity_id, true, activity);
}

teams_call teams_connector::open_personal_chat(std::string_view service_url, std::string_view tenant_id,
                                               std::string_view user)
{
    if (!usable_base_url(service_url))
        return final_failure("invalid_service_url");
    if (tenant_id.empty() || user.empty())
        return final_failure("invalid_conversation_parameters");
    auto const url = conversations_url(service_url);
    // Teams wants the tenant twice: top level and in channelData (older services read only the latter).
    json::object const request{{"isGroup", false},
                               {"bot", json::object{{"id", "28:" + impl_->options.app_id}}},
                               {"members", json::array{json::object{{"id", user}}}},
                               {"tenantId", tenant_id},
                               {"channelData", json::object{{"tenant", json::object{{"id", tenant_id}}}}}};
    return impl_->authorized_call("POST", url, json::serialize(request));
}

std::string teams_connector::token(std::string& error)
{
    teams_call failure;
    auto t = impl_->token(failure);
    error = t.empty() ? std::move(failure.error) : std::string{};
    return t;
}

teams_call post_workflow(http_client& client, std::string_view workflows_url, const json::object& payload)
{
    if (!usable_base_url(workflows_url))
        return final_failure("invalid_workflows_url");
    return to_call(client.post(workflows_url, json_type, json::serialize(payload)));
}

}  // namespace bot::webhooks
