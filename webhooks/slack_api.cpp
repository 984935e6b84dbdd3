#include "webhooks/slack_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <array>
#include <set>
#include <utility>

namespace bot::webhooks {

namespace {

namespace json = boost::json;

constexpr std::string_view json_type = "application/json; charset=utf-8";
constexpr std::string_view form_type = "application/x-www-form-urlencoded";

// ok:false errors Slack documents as passing; anything else needs a change on our side.
constexpr std::array transient_errors{
    std::string_view{"ratelimited"},         std::string_view{"internal_error"},
    std::string_view{"fatal_error"},         std::string_view{"service_unavailable"},
    std::string_view{"request_timeout"},
};

// application/x-www-form-urlencoded: unreserved characters as they are, the rest %XX.
std::string form_encode(std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (char const ch : s) {
        auto const c = static_cast<unsigned char>(ch);
        bool const unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0x0F]);
        }
    }
    return out;
}

// A short plain-text answer (response_url may say "expired_url") is a usable error code.
bool looks_like_error_code(std::string_view s)
{
    if (s.empty() || s.size() > 64)
        return false;
    for (char const c : s)
        if (!((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9')))
            return false;
    return true;
}

// The "messages" of a conversations.* answer; null when the call failed or the answer has none.
const json::array* messages_of(const slack_call& call)
{
    auto const* messages = call.ok ? call.body.if_contains("messages") : nullptr;
    return messages != nullptr && messages->is_array() ? &messages->get_array() : nullptr;
}

}  // namespace

bool slack_call::retryable() const
{
    if (transport_failed || http_status == 429 || http_status >= 500)
        return true;
    if (ok)
        return false;
    for (auto const e : transient_errors)
        if (error == e)
            return true;
    return false;
}

slack_api::slack_api(http_client& client, std::string base_url, std::string bot_token)
    : client_(client), base_url_(std::move(base_url)), token_(std::move(bot_token))
{
    if (base_url_.empty() || base_url_.back() != '/')
        base_url_.push_back('/');
}

slack_call slack_api::send(std::string_view url, std::string_view content_type, std::string_view body,
                           bool with_token, bool envelope_required)
{
    std::map<std::string, std::string> headers;
    if (with_token)
        headers.emplace("Authorization", "Bearer " + token_);
    auto const r = client_.post(url, content_type, body, headers);

    slack_call out;
    if (r.transport_failed()) {
        out.transport_failed = true;
        out.error = r.error;   // names scheme, host and port only: no token, no path
        return out;
    }
    out.http_status = r.status;
    if (r.status == 429)
        out.retry_after = r.retry_after();
    bool const success_status = r.status >= 200 && r.status < 300;

    boost::system::error_code ec;
    auto parsed = json::parse(r.body, ec);
    if (!ec && parsed.is_object()) {
        out.body = std::move(parsed.as_object());
        auto const* ok = out.body.if_contains("ok");
        bool const said_ok = ok != nullptr && ok->is_bool() && ok->get_bool();
        out.ok = success_status && (said_ok || (!envelope_required && ok == nullptr));
        if (auto const* e = out.body.if_contains("error"); e != nullptr && e->is_string())
            out.error = std::string(e->get_string());
    } else {
        // Not JSON: a proxy's error page, or response_url's plain "ok"/"expired_url".
        out.ok = success_status && !envelope_required;
        if (!out.ok && !success_status && looks_like_error_code(r.body))
            out.error = r.body;
    }
    if (!out.ok && out.error.empty())
        out.error = success_status ? "invalid_response" : "http_" + std::to_string(r.status);
    return out;
}

slack_call slack_api::call(std::string_view method, const json::object& args)
{
    return send(base_url_ + std::string(method), json_type, json::serialize(args), true, true);
}

slack_call slack_api::call_form(std::string_view method, const std::map<std::string, std::string>& args)
{
    std::string body;
    for (auto const& [name, value] : args) {
        if (!body.empty())
            body.push_back('&');
        body += form_encode(name);
        body.push_back('=');
        body += form_encode(value);
    }
    return send(base_url_ + std::string(method), form_type, body, true, true);
}

slack_call slack_api::post_json(std::string_view absolute_url, const json::object& body)
{
    return send(absolute_url, json_type, json::serialize(body), false, false);
}

slack_call slack_api::post_message(std::string_view channel, std::string_view text, const json::array& blocks,
                                   std::string_view thread_ts, const json::object& metadata)
{
    json::object args{{"channel", channel}, {"text", text}};
    if (!blocks.empty())
        args["blocks"] = blocks;
    if (!thread_ts.empty())
        args["thread_ts"] = thread_ts;
    if (!metadata.empty())
        args["metadata"] = metadata;
    return call("chat.postMessage", args);
}

slack_call slack_api::update_message(std::string_view channel, std::string_view ts, std::string_view text,
                                     const json::array& blocks)
{
    // Always sent: an update without blocks would keep the message's old ones.
    json::object args{{"channel", channel}, {"ts", ts}, {"text", text}, {"blocks", blocks}};
    return call("chat.update", args);
}

slack_call slack_api::post_ephemeral(std::string_view channel, std::string_view user, std::string_view text,
                                     const json::array& blocks, std::string_view thread_ts)
{
    json::object args{{"channel", channel}, {"user", user}, {"text", text}};
    if (!blocks.empty())
        args["blocks"] = blocks;
    if (!thread_ts.empty())
        args["thread_ts"] = thread_ts;
    return call("chat.postEphemeral", args);
}

slack_call slack_api::open_view(std::string_view trigger_id, const json::object& view)
{
    return call("views.open", json::object{{"trigger_id", trigger_id}, {"view", view}});
}

slack_lookup<json::object> slack_api::message_at(std::string_view channel, std::string_view ts)
{
    slack_lookup<json::object> out;
    out.call = call_form("conversations.history", {{"channel", std::string(channel)},
                                                   {"latest", std::string(ts)},
                                                   {"inclusive", "true"},
                                                   {"limit", "1"}});
    auto const* messages = messages_of(out.call);
    if (messages == nullptr)
        return out;
    for (auto const& m : *messages) {
        // latest=ts answers the newest message at or before ts: only an exact ts is a match.
        if (!m.is_object())
            continue;
        auto const* mts = m.get_object().if_contains("ts");
        if (mts != nullptr && mts->is_string() && mts->get_string() == ts) {
            out.value = m.get_object();
            break;
        }
    }
    return out;
}

namespace {
// Whether message `m` carries metadata of `event_type` with every member of `payload`.
bool has_metadata(const json::value& m, std::string_view event_type, const json::object& payload)
{
    auto const* meta = m.is_object() ? m.get_object().if_contains("metadata") : nullptr;
    if (meta == nullptr || !meta->is_object())
        return false;
    auto const* type = meta->get_object().if_contains("event_type");
    auto const* body = meta->get_object().if_contains("event_payload");
    if (type == nullptr || !type->is_string() || type->get_string() != event_type || body == nullptr ||
        !body->is_object())
        return false;
    for (auto const& [key, want] : payload) {
        auto const* got = body->get_object().if_contains(key);
        if (got == nullptr)
            return false;
        // 7, 7u and 7.0 are one number to a JSON reader.
        bool const numbers = got->is_number() && want.is_number();
        if (numbers ? got->to_number<double>() != want.to_number<double>() : *got != want)
            return false;
    }
    return true;
}
}  // namespace

slack_api::metadata_search slack_api::find_by_metadata(std::string_view channel, std::string_view thread_ts,
                                                       std::string_view oldest, std::string_view latest,
                                                       std::string_view event_type, const json::object& payload,
                                                       std::size_t max_messages)
{
    metadata_search out;
    std::map<std::string, std::string> args{{"channel", std::string(channel)},
                                            {"oldest", std::string(oldest)},
                                            {"latest", std::string(latest)},
                                            {"inclusive", "true"},
                                            {"include_all_metadata", "true"},
                                            {"limit", "200"}};
    if (!thread_ts.empty())
        args["ts"] = std::string(thread_ts);
    auto const method = thread_ts.empty() ? "conversations.history" : "conversations.replies";
    std::size_t seen = 0;
    std::set<std::string> cursors;   // a cursor Slack hands out twice would loop forever
    for (;;) {
        out.call = call_form(method, args);
        auto const* messages = messages_of(out.call);
        if (messages == nullptr)
            return out;
        for (auto const& m : *messages) {
            if (!has_metadata(m, event_type, payload))
                continue;
            if (auto const* ts = m.get_object().if_contains("ts"); ts != nullptr && ts->is_string()) {
                out.value = std::string(ts->get_string());
                out.complete = true;
                return out;
            }
        }
        seen += messages->size();
        auto const* more = out.call.body.if_contains("has_more");
        std::string cursor;
        if (auto const* meta = out.call.body.if_contains("response_metadata"); meta != nullptr && meta->is_object())
            if (auto const* c = meta->get_object().if_contains("next_cursor"); c != nullptr && c->is_string())
                cursor = std::string(c->get_string());
        bool const has_more = (more != nullptr && more->is_bool() && more->get_bool()) || !cursor.empty();
        if (!has_more) {
            out.complete = true;
            return out;
        }
        if (cursor.empty() || seen >= max_messages || messages->empty() || !cursors.insert(cursor).second)
            return out;
        args["cursor"] = std::move(cursor);
    }
}

slack_lookup<std::string> slack_api::direct_conversation(std::string_view user)
{
    slack_lookup<std::string> out;
    out.call = call("conversations.open", json::object{{"users", user}});
    if (!out.call.ok)
        return out;
    auto const* channel = out.call.body.if_contains("channel");
    if (channel == nullptr || !channel->is_object())
        return out;
    if (auto const* id = channel->get_object().if_contains("id"); id != nullptr && id->is_string())
        out.value = std::string(id->get_string());
    return out;
}

slack_call slack_api::join_channel(std::string_view channel)
{
    return call("conversations.join", json::object{{"channel", channel}});
}

slack_lookup<std::string> slack_api::user_team(std::string_view user)
{
    slack_lookup<std::string> out;
    out.call = call_form("users.info", {{"user", std::string(user)}});
    if (!out.call.ok)
        return out;
    auto const* u = out.call.body.if_contains("user");
    if (u == nullptr || !u->is_object())
        return out;
    if (auto const* team = u->get_object().if_contains("team_id"); team != nullptr && team->is_string())
        out.value = std::string(team->get_string());
    return out;
}

slack_lookup<slack_api::identity> slack_api::who_am_i()
{
    slack_lookup<identity> out;
    out.call = call_form("auth.test", {});
    if (!out.call.ok)
        return out;
    auto const text = [&](std::string_view key) {
        auto const* v = out.call.body.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string{};
    };
    out.value = identity{text("user_id"), text("user"), text("team_id"), text("team"), text("enterprise_id")};
    return out;
}

}  // namespace bot::webhooks
