#include "webhooks/teams_standin.hpp"

#include "bot/clock.hpp"
#include "webhooks/http_server.hpp"
#include "webhooks/jwt.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace bot::webhooks {

namespace {

namespace json = boost::json;
namespace http = boost::beast::http;

constexpr std::string_view json_type = "application/json; charset=utf-8";
constexpr std::string_view bot_framework_issuer = "https://api.botframework.com";
constexpr std::string_view bot_framework_scope = "https://api.botframework.com/.default";
constexpr std::string_view primary_kid = "standin-key-1";
constexpr std::string_view unpublished_kid = "standin-unpublished-key";
constexpr int token_lifetime_seconds = 3600;

struct injected_failure {
    int http_status = 500;
    std::optional<int> retry_after_seconds;
    int remaining = 1;
};

// A reply before it becomes an HTTP response; an empty `body` is sent as no body at all.
struct answer {
    int status = 200;
    std::string body;
    std::optional<int> retry_after_seconds;
};

answer json_answer(int status, const json::object& body)
{
    return answer{status, json::serialize(body), std::nullopt};
}

// The Bot Connector's and Power Automate's error shape.
answer service_error(int status, std::string_view code, std::string_view message)
{
    return json_answer(status, json::object{{"error", json::object{{"code", code}, {"message", message}}}});
}

// Entra ID's token endpoint error shape.
answer token_error(std::string_view code, std::string_view description)
{
    return json_answer(400, json::object{{"error", code}, {"error_description", description}});
}

std::string_view code_for_status(int status)
{
    switch (status) {
    case 400: return "BadArgument";
    case 401: return "Unauthorized";
    case 403: return "BotNotInConversationRoster";
    case 404: return "NotFound";
    case 429: return "TooManyRequests";
    case 500: return "InternalServerError";
    case 503: return "ServiceUnavailable";
    default: return "Error";
    }
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Decodes %XX escapes in a path segment ('+' stays a plus there).
std::string percent_decode(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// The decoded segments of an origin-form path: "/v3/a%3Ab/x" → {"v3", "a:b", "x"}.
std::vector<std::string> path_segments(std::string_view path)
{
    std::vector<std::string> out;
    if (path.starts_with('/'))
        path.remove_prefix(1);
    while (true) {
        auto const slash = path.find('/');
        out.push_back(percent_decode(path.substr(0, slash)));
        if (slash == std::string_view::npos)
            break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

// Name → value of a form body or query string (first value wins); nullopt when malformed.
// A std::string on purpose: in Boost 1.81 the last value from parse_query runs past the
// end of its input up to the next NUL, so a view into a longer buffer (the query inside a
// request target) must be copied first (boostorg/url#757, still open in 1.82).
std::optional<std::map<std::string, std::string>> parse_form(const std::string& text)
{
    std::map<std::string, std::string> out;
    if (text.empty())
        return out;
    auto parsed = boost::urls::parse_query(text);
    if (!parsed)
        return std::nullopt;
    boost::urls::encoding_opts opt;
    opt.space_as_plus = true;
    for (auto const& p : *parsed)
        out.emplace(p.key.decode(opt), p.has_value ? p.value.decode(opt) : std::string{});
    return out;
}

std::string field(const std::map<std::string, std::string>& f, const std::string& name)
{
    auto const it = f.find(name);
    return it == f.end() ? std::string{} : it->second;
}

// Teams addresses a channel thread as "<channel>;messageid=<root>": the same channel.
std::string_view base_conversation(std::string_view id)
{
    return id.substr(0, id.find(";messageid="));
}

// RSA key pairs shared by every stand-in in the process, by position: generating one
// takes a tenth of a second or more, and tests start many stand-ins. 0: the primary
// key, 1: the unpublished one, 2, 3, …: keys from add_key_without_msteams(). Thread-safe;
// the keys live until the process exits.
const rsa_signing_key& shared_key(std::size_t index)
{
    static std::mutex mutex;
    static std::vector<std::unique_ptr<rsa_signing_key>> pool;
    std::lock_guard lock(mutex);
    while (pool.size() <= index) {
        auto key = rsa_signing_key::generate();
        if (!key)
            throw std::runtime_error("teams_standin: cannot generate an RSA key");
        pool.push_back(std::move(key));
    }
    return *pool[index];
}

// What the Bot Connector's tokens say, valid from the real time now for an hour.
json::object connector_claims(const std::string& audience, const std::string& service_url)
{
    // The real time, not a bot::clock: the token goes to a validator that may run on any clock.
    auto const now =
        std::chrono::duration_cast<std::chrono::seconds>(bot::real_clock().now().time_since_epoch()).count();
    return json::object{{"iss", bot_framework_issuer},
                        {"aud", audience},
                        {"serviceurl", service_url},
                        {"nbf", now - 1},
                        {"exp", now + token_lifetime_seconds},
                        {"iat", now}};
}

struct signing_key {
    std::string kid;
    const rsa_signing_key* key = nullptr;
    json::array endorsements;
};

}  // namespace

struct teams_standin::impl {
    std::string app_id;
    std::string app_password;
    unsigned short port;
    std::unique_ptr<http_server> server;
    std::atomic<unsigned short> bound_port{0};

    mutable std::mutex mutex;   // guards everything below down to `keys_mutex`
    mutable std::condition_variable changed;
    std::uint64_t generation = 0;   // bumped (with changed.notify_all()) on every change wait_for() may see
    std::vector<teams_activity> activities;
    std::map<std::string, std::string> chats;   // "<tenant>|<member>" → conversation id
    std::vector<json::object> chat_requests;     // the requests that opened them
    std::map<std::string, std::size_t> calls;
    std::map<std::string, std::deque<injected_failure>> failures;
    std::set<std::string> tokens;                       // issued and not revoked
    mutable std::map<std::string, std::string> sigs;    // workflow name → its sig
    mutable std::mt19937_64 rng{std::random_device{}()};
    long long id_counter = 0;

    // Generating RSA keys takes a while: its own lock, so that serving does not wait on it.
    mutable std::mutex keys_mutex;
    mutable std::vector<signing_key> keys;   // the primary key first, once generated
    std::size_t extra_keys = 0;              // from add_key_without_msteams()

    impl(std::string id, std::string password, unsigned short p)
        : app_id(std::move(id)), app_password(std::move(password)), port(p)
    {
    }

    std::string base() const { return "http://127.0.0.1:" + std::to_string(bound_port.load()); }

    // Wakes wait_for(). Needs the lock.
    void bump()
    {
        ++generation;
        changed.notify_all();
    }

    // 32 random hex digits. Needs the lock.
    std::string random_hex() const
    {
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        for (int i = 0; i < 2; ++i) {
            auto v = rng();
            for (int j = 0; j < 16; ++j, v >>= 4)
                out.push_back(hex[v & 0xF]);
        }
        return out;
    }

    // Unique, increasing, and shaped like Teams message ids (milliseconds since the epoch).
    // Needs the lock.
    std::string next_id() { return std::to_string(1'717'236'000'000LL + ++id_counter); }

    // Counts the call and consumes an injected failure, if one is queued.
    std::optional<answer> count_call(const std::string& what)
    {
        std::lock_guard lock(mutex);
        ++calls[what];
        bump();
        auto it = failures.find(what);
        if (it == failures.end() || it->second.empty())
            return std::nullopt;
        auto& f = it->second.front();
        answer a;
        if (what == "token") {
            bool const client_error = f.http_status == 400 || f.http_status == 401;
            a = json_answer(f.http_status,
                            json::object{{"error", client_error ? "invalid_client" : "temporarily_unavailable"},
                                         {"error_description", "injected failure"}});
        } else {
            a = service_error(f.http_status, code_for_status(f.http_status), "injected failure");
        }
        a.retry_after_seconds = f.retry_after_seconds;
        if (--f.remaining <= 0)
            it->second.pop_front();
        return a;
    }

    // The key for `kid`, generating the primary one on first use. Needs keys_mutex.
    const signing_key* find_key(std::string_view kid) const
    {
        if (keys.empty())
            keys.push_back(signing_key{std::string(primary_kid), &shared_key(0), {"msteams"}});
        for (auto const& k : keys)
            if (k.kid == kid)
                return &k;
        return nullptr;
    }

    answer serve_token(const request& req)
    {
        if (auto failed = count_call("token"))
            return *failed;
        if (!req[http::field::content_type].starts_with("application/x-www-form-urlencoded"))
            return token_error("invalid_request", "The request body must be form-encoded.");
        auto const form = parse_form(req.body());
        if (!form)
            return token_error("invalid_request", "The request body is not a valid form.");
        if (field(*form, "grant_type") != "client_credentials")
            return token_error("unsupported_grant_type", "Only client_credentials is supported.");
        // Same answer for an unknown client and a wrong secret, as Entra ID does.
        if (field(*form, "client_id") != app_id || field(*form, "client_secret") != app_password)
            return token_error("invalid_client", "Invalid client credentials.");
        if (field(*form, "scope") != bot_framework_scope)
            return token_error("invalid_scope", "The scope is not valid for this client.");
        std::lock_guard lock(mutex);
        auto token = random_hex() + random_hex();
        tokens.insert(token);
        return json_answer(200, json::object{{"token_type", "Bearer"},
                                             {"expires_in", token_lifetime_seconds},
                                             {"access_token", token}});
    }

    bool authorized(const request& req) const
    {
        std::string_view const header = req[http::field::authorization];
        if (!header.starts_with("Bearer "))
            return false;
        std::lock_guard lock(mutex);
        return tokens.contains(std::string(header.substr(7)));
    }

    // The connector API: POST activities (send), POST activities/{aid} (reply), PUT activities/{aid} (update).
    // Counts a connector call, checks its token and reads its JSON object body into
    // `body`: the answer to send instead when any of that fails.
    std::optional<answer> accept(const std::string& what, const request& req, json::value& body)
    {
        if (auto failed = count_call(what))
            return *failed;
        if (!authorized(req))
            return service_error(401, "Unauthorized", "Authorization has been denied for this request.");
        boost::system::error_code ec;
        body = json::parse(req.body(), ec);
        if (ec || !body.is_object())
            return service_error(400, "BadArgument", "The request body is not a JSON object.");
        return std::nullopt;
    }

    answer serve_connector(const std::string& what, const request& req, const std::string& conversation,
                           const std::string& activity_id)
    {
        json::value parsed;
        if (auto refused = accept(what, req, parsed))
            return *refused;

        std::lock_guard lock(mutex);
        if (what == "update") {
            for (auto& a : activities) {
                bool const connector = a.kind == "send" || a.kind == "reply" || a.kind == "update";
                if (connector && a.activity_id == activity_id &&
                    base_conversation(a.conversation_id) == base_conversation(conversation)) {
                    a.body = std::move(parsed.as_object());
                    a.kind = "update";
                    ++a.revisions;
                    bump();
                    return json_answer(200, json::object{{"id", activity_id}});
                }
            }
            return service_error(404, "ActivityNotFound", "The activity was not found.");
        }
        teams_activity a;
        a.kind = what;
        a.conversation_id = conversation;
        a.activity_id = next_id();
        a.reply_to = activity_id;
        a.body = std::move(parsed.as_object());
        auto reply = json_answer(201, json::object{{"id", a.activity_id}});
        activities.push_back(std::move(a));
        bump();
        return reply;
    }

    // POST /v3/conversations: the bot's one-to-one chat with one member, in a tenant.
    // The same member and tenant get the same chat again, as in Teams.
    answer serve_open_chat(const request& req)
    {
        json::value parsed;
        if (auto refused = accept("open_chat", req, parsed))
            return *refused;
        auto const& o = parsed.as_object();
        auto const text_at = [](const json::value* v) {
            return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
        };
        auto const* members = o.if_contains("members");
        auto const* bot = o.if_contains("bot");
        auto const* channel_data = o.if_contains("channelData");
        auto const* tenant_of_data = channel_data != nullptr && channel_data->is_object()
                                         ? channel_data->get_object().if_contains("tenant")
                                         : nullptr;
        std::string const member =
            members != nullptr && members->is_array() && members->get_array().size() == 1 &&
                    members->get_array()[0].is_object()
                ? text_at(members->get_array()[0].get_object().if_contains("id"))
                : std::string{};
        std::string const bot_id = bot != nullptr && bot->is_object() ? text_at(bot->get_object().if_contains("id")) : "";
        // Teams reads the top-level tenantId; channelData.tenant, if given, must agree.
        std::string const tenant = text_at(o.if_contains("tenantId"));
        std::string const data_tenant = tenant_of_data != nullptr && tenant_of_data->is_object()
                                            ? text_at(tenant_of_data->get_object().if_contains("id"))
                                            : tenant;
        if (member.empty() || bot_id != "28:" + app_id)
            return service_error(400, "BadArgument", "One member and the bot's own id are required.");
        if (tenant.empty() || data_tenant != tenant)
            return service_error(400, "BadArgument", "Tenant is required for a conversation in Teams.");
        std::lock_guard lock(mutex);
        auto const key = tenant + "|" + member;
        auto [it, opened] = chats.try_emplace(key, "a:standin-chat-" + std::to_string(chats.size() + 1));
        if (opened)
            chat_requests.push_back(o);
        bump();
        return json_answer(opened ? 201 : 200, json::object{{"id", it->second}});
    }

    answer serve_workflow(const std::string& name, const request& req, std::string_view query)
    {
        if (auto failed = count_call("workflow"))
            return *failed;
        auto const args = parse_form(std::string(query));
        auto const sig = args ? field(*args, "sig") : std::string{};
        {
            std::lock_guard lock(mutex);
            auto const it = sigs.find(name);
            if (sig.empty())
                return service_error(401, "DirectApiAuthorizationRequired",
                                     "The request must be authenticated only by Shared Access scheme.");
            if (it == sigs.end() || it->second != sig)
                return service_error(401, "DirectApiInvalidAuthorizationSignature",
                                     "The provided authorization signature is not valid.");
        }
        boost::system::error_code ec;
        auto parsed = json::parse(req.body(), ec);
        if (ec || !parsed.is_object())
            return service_error(400, "InvalidRequestContent", "The request content is not valid JSON.");
        teams_activity a;
        a.kind = "workflow";
        a.conversation_id = name;
        a.body = std::move(parsed.as_object());
        std::lock_guard lock(mutex);
        activities.push_back(std::move(a));
        bump();
        return answer{202, {}, std::nullopt};
    }

    answer serve_openid()
    {
        if (auto failed = count_call("openid"))
            return *failed;
        return json_answer(200, json::object{{"issuer", bot_framework_issuer},
                                             {"jwks_uri", base() + "/openid/keys"},
                                             {"id_token_signing_alg_values_supported", json::array{"RS256"}}});
    }

    answer serve_keys()
    {
        if (auto failed = count_call("keys"))
            return *failed;
        json::array out;
        std::lock_guard lock(keys_mutex);
        find_key(primary_kid);
        for (auto const& k : keys) {
            auto jwk = k.key->public_jwk(k.kid);
            jwk["endorsements"] = k.endorsements;
            out.push_back(std::move(jwk));
        }
        return json_answer(200, json::object{{"keys", std::move(out)}});
    }

    response serve(const request& req)
    {
        std::string_view const target = req.target();
        auto const q = target.find('?');
        auto const segments = path_segments(target.substr(0, q));
        std::string_view const query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
        auto const method = req.method();
        bool const post = method == http::verb::post;
        auto const n = segments.size();

        std::optional<answer> a;
        if (post && n == 2 && segments[0] == "botframework" && segments[1] == "token") {
            a = serve_token(req);
        } else if (post && n == 2 && segments[0] == "v3" && segments[1] == "conversations") {
            a = serve_open_chat(req);
        } else if (n >= 4 && n <= 5 && segments[0] == "v3" && segments[1] == "conversations" &&
                   segments[3] == "activities" && !segments[2].empty()) {
            if (n == 4 && post)
                a = serve_connector("send", req, segments[2], {});
            else if (n == 5 && !segments[4].empty() && post)
                a = serve_connector("reply", req, segments[2], segments[4]);
            else if (n == 5 && !segments[4].empty() && method == http::verb::put)
                a = serve_connector("update", req, segments[2], segments[4]);
        } else if (post && n == 2 && segments[0] == "workflows" && !segments[1].empty()) {
            a = serve_workflow(segments[1], req, query);
        } else if (method == http::verb::get && n == 3 && segments[0] == "openid" &&
                   segments[1] == ".well-known" && segments[2] == "openidconfiguration") {
            a = serve_openid();
        } else if (method == http::verb::get && n == 2 && segments[0] == "openid" && segments[1] == "keys") {
            a = serve_keys();
        }
        if (!a)
            a = service_error(404, "NotFound", "No such endpoint.");

        response res{static_cast<http::status>(a->status), req.version()};
        res.keep_alive(req.keep_alive());
        if (!a->body.empty())
            res.set(http::field::content_type, json_type);
        if (a->retry_after_seconds)
            res.set(http::field::retry_after, std::to_string(*a->retry_after_seconds));
        res.body() = std::move(a->body);
        res.prepare_payload();
        return res;
    }
};

teams_standin::teams_standin(std::string app_id, std::string app_password, unsigned short port)
    : impl_(std::make_unique<impl>(std::move(app_id), std::move(app_password), port))
{
}

teams_standin::~teams_standin()
{
    stop();
}

void teams_standin::start()
{
    if (impl_->server)
        return;
    server_options options;
    options.host = "127.0.0.1";
    options.port = impl_->port;
    options.threads = 2;
    options.shutdown_grace = std::chrono::milliseconds{2'000};
    auto log = std::make_shared<spdlog::logger>("teams_standin", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto* self = impl_.get();
    auto server = std::make_unique<http_server>(
        options,
        [self](request&& req, const connection_info&, responder respond) {
            response res;
            try {
                res = self->serve(req);
            } catch (const std::exception&) {
                res = response{http::status::internal_server_error, req.version()};
                res.set(http::field::content_type, json_type);
                res.body() = R"({"error":{"code":"InternalServerError","message":"stand-in failure"}})";
                res.prepare_payload();
            }
            respond(std::move(res));
        },
        std::move(log));
    server->start();
    impl_->bound_port = server->local_endpoint().port();
    impl_->server = std::move(server);
}

void teams_standin::stop()
{
    if (impl_->server) {
        impl_->server->stop();
        impl_->server.reset();
    }
}

std::string teams_standin::service_url() const
{
    return impl_->base() + "/";
}

std::string teams_standin::token_url() const
{
    return impl_->base() + "/botframework/token";
}

std::string teams_standin::openid_metadata_url() const
{
    return impl_->base() + "/openid/.well-known/openidconfiguration";
}

std::string teams_standin::workflows_url(const std::string& name) const
{
    std::string sig;
    {
        std::lock_guard lock(impl_->mutex);
        auto& s = impl_->sigs[name];
        if (s.empty())
            s = impl_->random_hex();
        sig = s;
    }
    // Shaped like a real Workflows trigger URL; only `sig` is checked.
    return impl_->base() + "/workflows/" + boost::urls::encode(name, boost::urls::unreserved_chars) +
           "?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig;
}

std::string teams_standin::mint_token(const std::string& audience, const std::string& service_url,
                                      const std::function<void(json::object& claims)>& edit,
                                      const std::string& kid) const
{
    auto claims = connector_claims(audience, service_url);
    if (edit)
        edit(claims);
    std::lock_guard lock(impl_->keys_mutex);
    auto const* key = impl_->find_key(kid);
    if (key == nullptr)
        throw std::invalid_argument("teams_standin::mint_token: unknown kid");
    return key->key->sign(claims, key->kid);
}

std::string teams_standin::mint_token_with_unknown_key(const std::string& audience,
                                                       const std::string& service_url) const
{
    // Never in any stand-in's JWKS.
    return shared_key(1).sign(connector_claims(audience, service_url), unpublished_kid);
}

std::string teams_standin::add_key_without_msteams()
{
    std::lock_guard lock(impl_->keys_mutex);
    impl_->find_key(primary_kid);
    auto const n = ++impl_->extra_keys;
    auto kid = "standin-key-" + std::to_string(n + 1);
    impl_->keys.push_back(signing_key{kid, &shared_key(n + 1), {"skype"}});
    return kid;
}

void teams_standin::fail_next(const std::string& what, int http_status, std::optional<int> retry_after_seconds,
                              int count)
{
    if (count <= 0)
        return;
    std::lock_guard lock(impl_->mutex);
    impl_->failures[what].push_back(injected_failure{http_status, retry_after_seconds, count});
}

std::size_t teams_standin::calls(const std::string& what) const
{
    std::lock_guard lock(impl_->mutex);
    auto const it = impl_->calls.find(what);
    return it == impl_->calls.end() ? 0 : it->second;
}

std::vector<boost::json::object> teams_standin::opened_chats() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->chat_requests;
}

std::vector<teams_activity> teams_standin::activities() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->activities;
}

bool teams_standin::wait_for(const std::function<bool(const std::vector<teams_activity>&)>& predicate,
                             std::chrono::milliseconds timeout) const
{
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(impl_->mutex);
    for (;;) {
        // The predicate runs on a copy, unlocked, so that it may call calls(), activities(), ….
        auto const seen = impl_->generation;
        auto const snapshot = impl_->activities;
        lock.unlock();
        if (predicate(snapshot))
            return true;
        lock.lock();
        if (!impl_->changed.wait_until(lock, deadline, [&] { return impl_->generation != seen; }))
            return false;
    }
}

void teams_standin::clear()
{
    std::lock_guard lock(impl_->mutex);
    impl_->activities.clear();
    impl_->calls.clear();
    impl_->failures.clear();
    impl_->bump();
}

void teams_standin::revoke_tokens()
{
    std::lock_guard lock(impl_->mutex);
    impl_->tokens.clear();
}

}  // namespace bot::webhooks
