#include "config/sections.hpp"
#include "config/slack_ids.hpp"

#include <fmt/format.h>

#include <charconv>

namespace bot::config::detail {
namespace {
using std::chrono::seconds;

bool is_http_url(std::string_view url)
{
    return (url.starts_with("https://") && url.size() > 8) || (url.starts_with("http://") && url.size() > 7);
}

// `optional`: an empty string is allowed (and means "derive it").
void read_url(table_reader& t, std::string_view key, std::string& out, bool optional = false)
{
    if (auto url = t.string(key)) {
        if (!is_http_url(*url) && !(optional && url->empty()))
            fail(t.where(key), fmt::format("'{}' is not an http:// or https:// URL", *url));
        out = std::move(*url);
    }
}

// HOST:PORT, where HOST is a name, an IPv4 address or a bracketed IPv6 address ("[::1]").
bool is_listen_address(std::string_view text)
{
    auto const colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
        return false;
    auto const host = text.substr(0, colon);
    auto const port = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']' || host.substr(1, host.size() - 2).find_first_of("[]") != host.npos)
            return false;
    } else if (host.find_first_of(":[] \t") != std::string_view::npos) {
        return false;
    }
    unsigned value = 0;
    auto const [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    return ec == std::errc{} && end == port.data() + port.size() && !port.empty() && port.size() <= 5 &&
           value >= 1 && value <= 65535;
}

void read_server(table_reader& t, server_settings& out)
{
    if (auto listen = t.string("listen")) {
        if (!is_listen_address(*listen))
            fail(t.where("listen"), fmt::format("'{}' is not HOST:PORT with a port from 1 to 65535; write e.g. "
                                                "\"127.0.0.1:8080\", \"0.0.0.0:443\" or \"[::1]:8080\"",
                                                *listen));
        out.listen = std::move(*listen);
    }
    out.tls_certificate = t.string("tls_certificate").value_or(out.tls_certificate);
    out.tls_private_key = t.string("tls_private_key").value_or(out.tls_private_key);
    if (out.tls_certificate.empty() != out.tls_private_key.empty()) {
        bool const has_certificate = !out.tls_certificate.empty();
        fail(t.where(has_certificate ? "tls_certificate" : "tls_private_key"),
             fmt::format("{} is set but {} is not; set both for TLS, or neither",
                         has_certificate ? "tls_certificate" : "tls_private_key",
                         has_certificate ? "tls_private_key" : "tls_certificate"));
    }
    if (auto const limit = t.integer("body_limit", 1024, 64 * 1024 * 1024))
        out.body_limit = static_cast<std::size_t>(*limit);
    out.read_timeout = t.duration("read_timeout").value_or(out.read_timeout);
    out.idle_timeout = t.duration("idle_timeout").value_or(out.idle_timeout);
    if (auto const threads = t.integer("threads", 1, 64))
        out.threads = static_cast<int>(*threads);
    if (auto const workers = t.integer("workers", 1, 256))
        out.workers = static_cast<int>(*workers);
    t.finish();
}

void read_slack(table_reader& t, slack_settings& out)
{
    out.signing_secret = t.string("signing_secret").value_or("");
    out.bot_token = secret_text(t.string("bot_token").value_or(""));
    if (!out.bot_token.empty())
        if (auto problem = slack_bot_token_problem(out.bot_token))
            fail(t.where("bot_token"), std::move(*problem));
    read_url(t, "api_url", out.api_url);
    out.bot_user = t.string("bot_user").value_or("");
    if (!out.bot_user.empty())
        if (auto problem = slack_id_problem(slack_id_kind::user, out.bot_user))
            fail(t.where("bot_user"), std::move(*problem));
    t.finish();
}

void read_teams(table_reader& t, teams_settings& out)
{
    out.webhook_secret = t.string("webhook_secret").value_or("");
    out.app_id = t.string("app_id").value_or("");
    out.app_password = t.string("app_password").value_or("");
    if (t.has("tenant"))
        out.tenant = t.required_string("tenant");
    read_url(t, "openid_metadata_url", out.openid_metadata_url);
    read_url(t, "token_url", out.token_url, true);
    t.finish();
}

void read_scheduler(table_reader& t, scheduler_settings& out)
{
    out.tick = t.duration("tick").value_or(out.tick);
    if (auto const batch = t.integer("batch", 1, 100000))
        out.batch = static_cast<std::size_t>(*batch);
    t.finish();
}

void read_delivery(table_reader& t, delivery_settings& out)
{
    out.first_retry = t.duration("first_retry").value_or(out.first_retry);
    out.max_retry = t.duration("max_retry").value_or(out.max_retry);
    if (auto const attempts = t.integer("max_attempts", 1, 1000))
        out.max_attempts = static_cast<int>(*attempts);
    if (auto const parallel = t.integer("parallel_channels", 1, 64))
        out.parallel_channels = static_cast<int>(*parallel);
    if (out.max_retry < out.first_retry)
        fail(t.where(t.has("max_retry") ? "max_retry" : "first_retry"),
             "max_retry must not be shorter than first_retry: backoff starts at first_retry and grows to max_retry");
    t.finish();
}

// Slack calls append the method name ("chat.postMessage") to the base URL.
void end_with_slash(std::string& url)
{
    if (!url.ends_with('/'))
        url += '/';
}

// A secret or id: the file's value when it has one, else the environment's (secret_text).
void fill(std::string& value, const env_lookup& env, std::string_view name)
{
    if (value.empty())
        if (auto from_env = env(name); from_env && !from_env->empty())
            value = std::move(*from_env);
    value = secret_text(value);
}
}  // namespace

std::string secret_text(std::string_view text)
{
    constexpr std::string_view blanks = " \t\r\n";
    auto const first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos)
        return {};
    return std::string{text.substr(first, text.find_last_not_of(blanks) - first + 1)};
}

void read_services(table_reader& root, settings& out)
{
    if (auto t = root.table("server"))
        read_server(*t, out.server);
    if (auto t = root.table("slack"))
        read_slack(*t, out.slack);
    if (auto t = root.table("teams"))
        read_teams(*t, out.teams);
    if (auto t = root.table("scheduler"))
        read_scheduler(*t, out.scheduler);
    if (auto t = root.table("delivery"))
        read_delivery(*t, out.delivery);
}

void apply_environment(settings& out, const env_lookup& given)
{
    auto const env = given ? given : no_env();
    fill(out.slack.signing_secret, env, "SLACK_SIGNING_SECRET");
    bool const token_in_file = !out.slack.bot_token.empty();
    fill(out.slack.bot_token, env, "SLACK_BOT_TOKEN");
    if (!token_in_file && !out.slack.bot_token.empty())
        if (auto problem = slack_bot_token_problem(out.slack.bot_token))
            fail(place{0, 0, "SLACK_BOT_TOKEN"}, std::move(*problem));
    fill(out.teams.webhook_secret, env, "TEAMS_WEBHOOK_SECRET");
    fill(out.teams.app_id, env, "TEAMS_APP_ID");
    fill(out.teams.app_password, env, "TEAMS_APP_PASSWORD");
    // Tests and staging point the Slack client at loopback: here the environment wins.
    if (auto url = env("SLACK_API_URL"); url && !url->empty()) {
        if (!is_http_url(*url))
            fail(place{0, 0, "slack.api_url"},
                 fmt::format("SLACK_API_URL '{}' is not an http:// or https:// URL", *url));
        out.slack.api_url = std::move(*url);
    }
    end_with_slash(out.slack.api_url);
    if (auto database = env("CASEBOT_DATABASE"); database && !database->empty())
        out.database = std::move(*database);
}

}  // namespace bot::config::detail
