#include "webhooks/slack_standin.hpp"

#include "webhooks/http_server.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace bot::webhooks {

namespace {

namespace json = boost::json;
namespace http = boost::beast::http;

constexpr std::string_view api_prefix = "/api/";
constexpr std::string_view response_prefix = "/response/";
constexpr std::string_view bot_id = "B0STANDIN";

struct injected_failure {
    int http_status = 500;
    std::optional<int> retry_after_seconds;
    std::string slack_error;
    int remaining = 1;
};

// A reply before it becomes an HTTP response.
struct answer {
    int status = 200;
    json::object body;
    std::optional<int> retry_after_seconds;
    std::string plain_body;   // sent instead of `body` when set (a gateway's error page)
};

answer slack_ok(json::object fields)
{
    // "ok" first, as Slack writes it.
    json::object body{{"ok", true}};
    for (auto& field : fields)
        body.emplace(field.key(), std::move(field.value()));
    return answer{200, std::move(body), std::nullopt, {}};
}

answer slack_error(std::string_view error)
{
    return answer{200, json::object{{"ok", false}, {"error", error}}, std::nullopt, {}};
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

// Decodes %XX escapes; in an application/x-www-form-urlencoded component (`plus_is_space`)
// also '+'.
std::string percent_decode(std::string_view s, bool plus_is_space)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char const c = s[i];
        if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Adds name=value pairs of a form body or query string to `args` (earlier ones win).
void add_form_args(std::string_view form, json::object& args)
{
    while (!form.empty()) {
        auto const amp = form.find('&');
        auto const pair = form.substr(0, amp);
        form = amp == std::string_view::npos ? std::string_view{} : form.substr(amp + 1);
        if (pair.empty())
            continue;
        auto const eq = pair.find('=');
        auto const name = percent_decode(pair.substr(0, eq), true);
        auto const value = eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1), true);
        if (!args.contains(name))
            args[name] = value;
    }
}

std::string string_arg(const json::object& args, std::string_view name)
{
    auto const* v = args.if_contains(name);
    if (v == nullptr)
        return {};
    if (v->is_string())
        return std::string(v->get_string());
    if (v->is_int64())
        return std::to_string(v->get_int64());
    if (v->is_uint64())
        return std::to_string(v->get_uint64());
    return {};
}

bool bool_arg(const json::object& args, std::string_view name)
{
    auto const* v = args.if_contains(name);
    if (v == nullptr)
        return false;
    if (v->is_bool())
        return v->get_bool();
    if (v->is_int64())
        return v->get_int64() != 0;
    if (v->is_string())
        return v->get_string() == "true" || v->get_string() == "1";
    return false;
}

// A JSON value that may also arrive as a JSON string (form-encoded `blocks`, `view`).
std::optional<json::value> json_arg(const json::object& args, std::string_view name)
{
    auto const* v = args.if_contains(name);
    if (v == nullptr)
        return std::nullopt;
    if (!v->is_string())
        return *v;
    boost::system::error_code ec;
    auto parsed = json::parse(v->get_string(), ec);
    if (ec)
        return json::value(nullptr);   // present but unusable
    return parsed;
}

// "1700000000.000100" → microseconds; nullopt when it is not a ts.
std::optional<long long> ts_micros(std::string_view ts)
{
    auto const dot = ts.find('.');
    auto const whole = ts.substr(0, dot);
    auto frac = dot == std::string_view::npos ? std::string_view{} : ts.substr(dot + 1);
    if (whole.empty() || frac.size() > 6)
        return std::nullopt;
    long long seconds = 0;
    auto r = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    if (r.ec != std::errc{} || r.ptr != whole.data() + whole.size())
        return std::nullopt;
    long long micros = 0;
    if (!frac.empty()) {
        r = std::from_chars(frac.data(), frac.data() + frac.size(), micros);
        if (r.ec != std::errc{} || r.ptr != frac.data() + frac.size())
            return std::nullopt;
        for (auto n = frac.size(); n < 6; ++n)
            micros *= 10;
    }
    return seconds * 1'000'000 + micros;
}

bool in_history(const standin_message& m)
{
    return m.kind == "post" || m.kind == "update" || m.kind == "seeded";
}

// How a message reads in a conversations.* answer; its metadata only when asked for
// (include_all_metadata), as Slack does.
json::object message_json(const standin_message& m, bool with_metadata = false)
{
    json::object o{{"type", "message"}, {"text", m.text}, {"ts", m.ts}};
    if (m.kind == "seeded") {
        o["user"] = m.user;
        if (!m.team.empty()) {
            o["team"] = m.team;
            o["user_team"] = m.team;
        }
    } else {
        o["bot_id"] = bot_id;
    }
    if (!m.blocks.empty())
        o["blocks"] = m.blocks;
    if (!m.thread_ts.empty())
        o["thread_ts"] = m.thread_ts;
    if (m.revisions > 0)
        o["edited"] = json::object{{"user", "U0STANDINBOT"}, {"ts", m.ts}};
    if (with_metadata && !m.metadata.empty())
        o["metadata"] = m.metadata;
    return o;
}

// Slack's metadata: {"event_type": "<name>", "event_payload": {…}}.
bool valid_metadata(const json::value& v)
{
    if (!v.is_object())
        return false;
    auto const* type = v.get_object().if_contains("event_type");
    auto const* payload = v.get_object().if_contains("event_payload");
    return type != nullptr && type->is_string() && !type->get_string().empty() && payload != nullptr &&
           payload->is_object();
}

// One page of `found` (oldest first unless the caller reversed it) from the
// position a cursor names, with has_more and the next cursor, as Slack pages.
json::object page_of(const std::vector<const standin_message*>& found, const json::object& args, bool with_metadata)
{
    long long limit = 100;
    if (auto const l = string_arg(args, "limit"); !l.empty())
        std::from_chars(l.data(), l.data() + l.size(), limit);
    limit = std::clamp(limit, 1LL, 1000LL);
    std::size_t from = 0;
    if (auto const c = string_arg(args, "cursor"); c.starts_with("next:"))
        std::from_chars(c.data() + 5, c.data() + c.size(), from);
    from = std::min(from, found.size());
    auto const to = std::min(found.size(), from + static_cast<std::size_t>(limit));
    json::array out;
    for (auto i = from; i < to; ++i)
        out.push_back(message_json(*found[i], with_metadata));
    bool const more = to < found.size();
    return json::object{{"messages", std::move(out)},
                        {"has_more", more},
                        {"response_metadata",
                         json::object{{"next_cursor", more ? "next:" + std::to_string(to) : std::string{}}}}};
}

// The stand-in's id of the app's direct conversation with a user (U…/W…): "D" and
// the rest of the user id. Empty for anything that is not one user id.
std::optional<std::string> direct_conversation_of(std::string_view user)
{
    if (user.size() < 2 || (user[0] != 'U' && user[0] != 'W') || user.find(',') != std::string_view::npos)
        return std::nullopt;
    return "D" + std::string{user.substr(1)};
}

}  // namespace

struct slack_standin::impl {
    std::string token;
    unsigned short port;
    std::unique_ptr<http_server> server;
    unsigned short bound_port = 0;

    mutable std::mutex mutex;   // guards everything below
    mutable std::condition_variable changed;
    std::uint64_t generation = 0;   // bumped (with changed.notify_all()) on every change wait_for() may see
    std::vector<standin_message> messages;
    std::vector<json::object> views;
    std::map<std::string, std::size_t> calls;
    std::string bot_user_id = "U0CASEBOT";   // auth.test's answer
    std::string bot_team_id = "T0VENDOR";
    std::map<std::string, std::deque<injected_failure>> failures;
    struct user_record {
        std::string team_id, name;
    };
    std::map<std::string, user_record> users;
    long long ts_counter = 0;
    long long last_ts_micros = 0;
    std::function<std::chrono::system_clock::time_point()> clock;   // empty: ts from a counter
    std::map<std::string, int> lost_answers;   // method → calls served whose answer is lost
    std::set<std::string> outside;   // channels the bot is not a member of (leave())

    impl(std::string t, unsigned short p) : token(std::move(t)), port(p) {}

    // Wakes wait_for(). Needs the lock.
    void bump()
    {
        ++generation;
        changed.notify_all();
    }

    // Unique and increasing: 1700000000.000100, 1700000000.000200, … or, with a
    // clock, 1 µs past that clock's time (100 µs after the last ts if the clock has
    // not moved): never a round ts like the ones tests write for customers' messages.
    std::string next_ts()
    {
        ++ts_counter;
        long long micros = 1'700'000'000'000'000LL + ts_counter * 100;
        if (clock) {
            auto const now =
                std::chrono::duration_cast<std::chrono::microseconds>(clock().time_since_epoch()).count();
            micros = std::max<long long>(now + 1, last_ts_micros + 100);
        }
        last_ts_micros = micros;
        auto frac = std::to_string(micros % 1'000'000);
        frac.insert(0, 6 - frac.size(), '0');
        return std::to_string(micros / 1'000'000) + "." + frac;
    }

    // Consumes one injected failure for `method`, if any is queued. Needs the lock.
    std::optional<answer> take_failure(const std::string& method)
    {
        auto it = failures.find(method);
        if (it == failures.end() || it->second.empty())
            return std::nullopt;
        auto& f = it->second.front();
        std::string error = f.slack_error;
        if (error.empty())
            error = f.http_status == 429 ? "ratelimited" : "internal_error";
        answer a{f.http_status, json::object{{"ok", false}, {"error", error}}, f.retry_after_seconds, {}};
        if (--f.remaining <= 0)
            it->second.pop_front();
        return a;
    }

    // A message in the channel's history (not ephemeral, not a response_url post). Needs the lock.
    standin_message* find_message(const std::string& channel, const std::string& ts)
    {
        for (auto& m : messages)
            if (m.channel == channel && m.ts == ts && in_history(m))
                return &m;
        return nullptr;
    }

    // Reads text and blocks; an error code when neither is usable. Needs nothing locked.
    static std::optional<std::string_view> read_content(const json::object& args, std::string& text,
                                                        json::array& blocks, bool& has_blocks)
    {
        text = string_arg(args, "text");
        has_blocks = false;
        if (auto b = json_arg(args, "blocks")) {
            if (!b->is_array())
                return "invalid_blocks";
            blocks = std::move(b->as_array());
            has_blocks = true;
        }
        if (text.empty() && blocks.empty())
            return "no_text";
        return std::nullopt;
    }

    answer post_message(const json::object& args)
    {
        standin_message m;
        m.channel = string_arg(args, "channel");
        if (m.channel.empty())
            return slack_error("channel_not_found");
        // To a user id: into the app's direct conversation with that person.
        if (auto dm = direct_conversation_of(m.channel))
            m.channel = *dm;

        bool has_blocks = false;
        if (auto err = read_content(args, m.text, m.blocks, has_blocks))
            return slack_error(*err);
        m.thread_ts = string_arg(args, "thread_ts");
        if (auto md = json_arg(args, "metadata")) {
            if (!valid_metadata(*md))
                return slack_error("invalid_metadata_format");
            m.metadata = std::move(md->as_object());
        }
        m.kind = "post";
        m.args = args;
        std::lock_guard lock(mutex);
        // chat:write.public lets the bot post in a public channel it is not in, not a private one.
        if (!m.channel.starts_with('C') && outside.contains(m.channel))
            return slack_error("not_in_channel");
        m.ts = next_ts();
        auto reply = slack_ok(json::object{{"channel", m.channel}, {"ts", m.ts}, {"message", message_json(m)}});
        messages.push_back(std::move(m));
        bump();
        return reply;
    }

    answer update_message(const json::object& args)
    {
        auto const channel = string_arg(args, "channel");
        auto const ts = string_arg(args, "ts");
        if (channel.empty())
            return slack_error("channel_not_found");
        if (ts.empty())
            return slack_error("message_not_found");
        std::string text;
        json::array blocks;
        bool has_blocks = false;
        if (auto err = read_content(args, text, blocks, has_blocks))
            return slack_error(*err);
        std::lock_guard lock(mutex);
        auto* m = find_message(channel, ts);
        if (m == nullptr)
            return slack_error("message_not_found");
        if (m->kind == "seeded")
            return slack_error("cant_update_message");
        m->text = text;
        // Slack keeps the old blocks when the update carries none.
        if (has_blocks)
            m->blocks = std::move(blocks);
        m->kind = "update";
        ++m->revisions;
        m->args = args;
        auto reply = slack_ok(
            json::object{{"channel", channel}, {"ts", ts}, {"text", m->text}, {"message", message_json(*m)}});
        bump();
        return reply;
    }

    answer post_ephemeral(const json::object& args)
    {
        standin_message m;
        m.channel = string_arg(args, "channel");
        m.user = string_arg(args, "user");
        if (m.channel.empty())
            return slack_error("channel_not_found");
        if (m.user.empty())
            return slack_error("user_not_found");
        bool has_blocks = false;
        if (auto err = read_content(args, m.text, m.blocks, has_blocks))
            return slack_error(*err);
        m.thread_ts = string_arg(args, "thread_ts");
        m.kind = "ephemeral";
        m.args = args;
        std::lock_guard lock(mutex);
        m.ts = next_ts();
        auto reply = slack_ok(json::object{{"message_ts", m.ts}});
        messages.push_back(std::move(m));
        bump();
        return reply;
    }

    answer open_view(const json::object& args)
    {
        if (string_arg(args, "trigger_id").empty())
            return slack_error("invalid_arguments");
        auto view = json_arg(args, "view");
        if (!view || !view->is_object())
            return slack_error("invalid_arguments");
        std::lock_guard lock(mutex);
        views.push_back(view->as_object());
        auto shown = view->as_object();
        shown["id"] = "V" + std::to_string(1'000'000 + views.size());
        bump();
        return slack_ok(json::object{{"view", std::move(shown)}});
    }

    // oldest/latest/inclusive of conversations.history and .replies, as microseconds.
    struct time_range {
        long long oldest = 0, latest = std::numeric_limits<long long>::max();
        bool inclusive = false;
        bool holds(const standin_message& m) const
        {
            auto const t = ts_micros(m.ts).value_or(0);
            return (inclusive ? t <= latest : t < latest) && (inclusive ? t >= oldest : t > oldest);
        }
    };
    // The channel and the span a conversations.* call asks for; or the error Slack answers.
    static std::optional<answer> read_span(const json::object& args, std::string& channel, time_range& range)
    {
        channel = string_arg(args, "channel");
        if (channel.empty())
            return slack_error("channel_not_found");
        auto const latest_arg = string_arg(args, "latest");
        auto const oldest_arg = string_arg(args, "oldest");
        auto const latest = latest_arg.empty() ? std::numeric_limits<long long>::max() : ts_micros(latest_arg);
        auto const oldest = oldest_arg.empty() ? 0LL : ts_micros(oldest_arg);
        if (!latest || !oldest)
            return slack_error("invalid_ts_latest");
        range = time_range{*oldest, *latest, bool_arg(args, "inclusive")};
        return std::nullopt;
    }

    answer history(const json::object& args)
    {
        std::string channel;
        time_range range;
        if (auto refused = read_span(args, channel, range))
            return *refused;

        std::lock_guard lock(mutex);
        if (outside.contains(channel))
            return slack_error("not_in_channel");
        std::vector<const standin_message*> found;
        for (auto const& m : messages) {
            if (m.channel != channel || !in_history(m))
                continue;
            if (!m.thread_ts.empty() && m.thread_ts != m.ts)
                continue;   // thread replies are not part of a channel's history
            if (range.holds(m))
                found.push_back(&m);
        }
        // Newest first, as Slack answers.
        std::reverse(found.begin(), found.end());
        return slack_ok(page_of(found, args, bool_arg(args, "include_all_metadata")));
    }

    answer replies(const json::object& args)
    {
        std::string channel;
        time_range range;
        if (auto refused = read_span(args, channel, range))
            return *refused;
        auto const parent = string_arg(args, "ts");

        std::lock_guard lock(mutex);
        if (outside.contains(channel))
            return slack_error("not_in_channel");
        if (parent.empty() || find_message(channel, parent) == nullptr)
            return slack_error("thread_not_found");
        // The parent, then its replies, oldest first, as Slack answers.
        std::vector<const standin_message*> found;
        for (auto const& m : messages)
            if (m.channel == channel && in_history(m) && (m.ts == parent || m.thread_ts == parent) && range.holds(m))
                found.push_back(&m);
        return slack_ok(page_of(found, args, bool_arg(args, "include_all_metadata")));
    }

    // conversations.join: the bot joins a public channel; private ones need an invitation.
    answer join_channel(const json::object& args)
    {
        auto const channel = string_arg(args, "channel");
        if (channel.empty())
            return slack_error("channel_not_found");
        if (!channel.starts_with('C'))
            return slack_error("method_not_supported_for_channel_type");
        std::lock_guard lock(mutex);
        outside.erase(channel);
        bump();
        return slack_ok(json::object{{"channel", json::object{{"id", channel}, {"is_member", true}}}});
    }

    // conversations.open for one person: their direct conversation with the app.
    static answer open_conversation(const json::object& args)
    {
        auto const users = string_arg(args, "users");
        if (users.empty())
            return slack_error("users_list_not_supplied");
        auto dm = direct_conversation_of(users);
        if (!dm)
            return slack_error("user_not_found");
        return slack_ok(json::object{{"channel", json::object{{"id", *dm}}}});
    }

    answer user_info(const json::object& args)
    {
        auto const id = string_arg(args, "user");
        std::lock_guard lock(mutex);
        auto const it = users.find(id);
        if (id.empty() || it == users.end())
            return slack_error("user_not_found");
        return slack_ok(json::object{
            {"user", json::object{{"id", id}, {"team_id", it->second.team_id}, {"name", it->second.name}}}});
    }

    answer record_response_url(const std::string& id, const json::object& body)
    {
        standin_message m;
        m.channel = id;
        m.text = string_arg(body, "text");
        if (auto const* b = body.if_contains("blocks"); b != nullptr && b->is_array())
            m.blocks = b->get_array();
        m.thread_ts = string_arg(body, "thread_ts");
        m.kind = "response_url";
        m.args = body;
        std::lock_guard lock(mutex);
        m.ts = next_ts();
        messages.push_back(std::move(m));
        bump();
        return slack_ok({});
    }

    // Counts the call and consumes an injected failure, if one is queued.
    std::optional<answer> count_call(const std::string& method)
    {
        std::lock_guard lock(mutex);
        ++calls[method];
        bump();
        return take_failure(method);
    }

    answer serve_api(const std::string& method, const request& req, std::string_view query)
    {
        if (auto failed = count_call(method))
            return *failed;
        if (req[http::field::authorization] != "Bearer " + token)
            return slack_error("invalid_auth");
        auto a = serve_method(method, req, query);
        std::lock_guard lock(mutex);
        if (auto lost = lost_answers.find(method); lost != lost_answers.end() && lost->second > 0) {
            --lost->second;   // done, but the answer never reaches the caller intact
            return answer{502, {}, std::nullopt, "<html><body>502 Bad Gateway</body></html>"};
        }
        return a;
    }

    answer serve_method(const std::string& method, const request& req, std::string_view query)
    {

        json::object args;
        std::string_view const content_type = req[http::field::content_type];
        if (content_type.starts_with("application/json")) {
            boost::system::error_code ec;
            auto parsed = json::parse(req.body(), ec);
            if (ec || !parsed.is_object())
                return slack_error("invalid_json");
            args = std::move(parsed.as_object());
        } else {
            add_form_args(req.body(), args);
        }
        add_form_args(query, args);

        if (method == "chat.postMessage")
            return post_message(args);
        if (method == "chat.update")
            return update_message(args);
        if (method == "chat.postEphemeral")
            return post_ephemeral(args);
        if (method == "views.open")
            return open_view(args);
        if (method == "conversations.history")
            return history(args);
        if (method == "conversations.replies")
            return replies(args);
        if (method == "conversations.open")
            return open_conversation(args);
        if (method == "conversations.join")
            return join_channel(args);
        if (method == "users.info")
            return user_info(args);
        if (method == "auth.test") {
            std::lock_guard lock(mutex);
            return slack_ok(json::object{{"user_id", bot_user_id}, {"user", "casebot"}, {"team_id", bot_team_id},
                                         {"team", "Vendor"}});
        }
        return slack_error("unknown_method");
    }

    answer serve_response_url(const std::string& id, const request& req)
    {
        if (auto failed = count_call("response_url"))
            return *failed;
        boost::system::error_code ec;
        auto parsed = json::parse(req.body(), ec);
        if (ec || !parsed.is_object())
            return answer{400, json::object{{"ok", false}, {"error", "invalid_payload"}}, std::nullopt, {}};
        return record_response_url(id, parsed.as_object());
    }

    response serve(const request& req)
    {
        response res;
        res.version(req.version());
        res.keep_alive(req.keep_alive());

        std::string_view const target = req.target();
        auto const q = target.find('?');
        std::string const path = percent_decode(target.substr(0, q), false);
        std::string_view const query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
        bool const is_post = req.method() == http::verb::post;

        std::optional<answer> a;
        if (path.starts_with(api_prefix) && path.size() > api_prefix.size() &&
            (is_post || req.method() == http::verb::get))
            a = serve_api(path.substr(api_prefix.size()), req, query);
        else if (path.starts_with(response_prefix) && path.size() > response_prefix.size() && is_post)
            a = serve_response_url(path.substr(response_prefix.size()), req);

        if (!a) {
            res.result(http::status::not_found);
            res.set(http::field::content_type, "text/plain");
            res.body() = "not found";
        } else {
            res.result(static_cast<unsigned>(a->status));
            if (!a->plain_body.empty()) {
                res.set(http::field::content_type, "text/html");
                res.body() = a->plain_body;
            } else {
                res.set(http::field::content_type, "application/json; charset=utf-8");
                if (a->retry_after_seconds)
                    res.set(http::field::retry_after, std::to_string(*a->retry_after_seconds));
                res.body() = json::serialize(a->body);
            }
        }
        res.prepare_payload();
        return res;
    }
};

slack_standin::slack_standin(std::string token, unsigned short port)
    : impl_(std::make_unique<impl>(std::move(token), port))
{
}

slack_standin::~slack_standin()
{
    stop();
}

void slack_standin::start()
{
    if (impl_->server)
        return;
    server_options options;
    options.host = "127.0.0.1";
    options.port = impl_->port;
    options.threads = 2;
    options.shutdown_grace = std::chrono::milliseconds{2'000};
    auto log = std::make_shared<spdlog::logger>("slack_standin", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto* self = impl_.get();
    auto server = std::make_unique<http_server>(
        options,
        [self](request&& req, const connection_info&, responder respond) {
            response res;
            try {
                res = self->serve(req);
            } catch (const std::exception&) {
                res = response{http::status::internal_server_error, req.version()};
                res.set(http::field::content_type, "application/json; charset=utf-8");
                res.body() = R"({"ok":false,"error":"internal_error"})";
                res.prepare_payload();
            }
            respond(std::move(res));
        },
        std::move(log));
    server->start();
    impl_->bound_port = server->local_endpoint().port();
    impl_->server = std::move(server);
}

void slack_standin::stop()
{
    if (impl_->server) {
        impl_->server->stop();
        impl_->server.reset();
    }
}

std::string slack_standin::base_url() const
{
    return "http://127.0.0.1:" + std::to_string(impl_->bound_port) + "/api/";
}

std::string slack_standin::response_url(const std::string& id) const
{
    return "http://127.0.0.1:" + std::to_string(impl_->bound_port) + "/response/" + id;
}

void slack_standin::add_user(const std::string& id, const std::string& team_id, const std::string& name)
{
    std::lock_guard lock(impl_->mutex);
    impl_->users[id] = impl::user_record{team_id, name};
}

void slack_standin::set_identity(const std::string& bot_user_id, const std::string& team_id)
{
    std::lock_guard lock(impl_->mutex);
    impl_->bot_user_id = bot_user_id;
    impl_->bot_team_id = team_id;
}

std::string slack_standin::add_message(const std::string& channel, const std::string& user, const std::string& team,
                                       const std::string& text, const std::string& thread_ts)
{
    standin_message m;
    m.channel = channel;
    m.user = user;
    m.team = team;
    m.text = text;
    m.thread_ts = thread_ts;
    m.kind = "seeded";
    std::lock_guard lock(impl_->mutex);
    m.ts = impl_->next_ts();
    auto ts = m.ts;
    impl_->messages.push_back(std::move(m));
    impl_->bump();
    return ts;
}

void slack_standin::fail_next(const std::string& method, int http_status, std::optional<int> retry_after_seconds,
                              const std::string& slack_error, int count)
{
    if (count <= 0)
        return;
    std::lock_guard lock(impl_->mutex);
    impl_->failures[method].push_back(injected_failure{http_status, retry_after_seconds, slack_error, count});
}

std::size_t slack_standin::calls(const std::string& method) const
{
    std::lock_guard lock(impl_->mutex);
    auto const it = impl_->calls.find(method);
    return it == impl_->calls.end() ? 0 : it->second;
}

std::vector<standin_message> slack_standin::messages() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->messages;
}

std::vector<standin_message> slack_standin::messages_in(const std::string& channel) const
{
    std::lock_guard lock(impl_->mutex);
    std::vector<standin_message> out;
    std::copy_if(impl_->messages.begin(), impl_->messages.end(), std::back_inserter(out),
                 [&](const standin_message& m) { return m.channel == channel; });
    return out;
}

std::vector<json::object> slack_standin::opened_views() const
{
    std::lock_guard lock(impl_->mutex);
    return impl_->views;
}

bool slack_standin::wait_for(const std::function<bool(const std::vector<standin_message>&)>& predicate,
                             std::chrono::milliseconds timeout) const
{
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(impl_->mutex);
    for (;;) {
        // The predicate runs on a copy, unlocked, so that it may call calls(), messages(), ….
        auto const seen = impl_->generation;
        auto const snapshot = impl_->messages;
        lock.unlock();
        if (predicate(snapshot))
            return true;
        lock.lock();
        if (!impl_->changed.wait_until(lock, deadline, [&] { return impl_->generation != seen; }))
            return false;
    }
}

void slack_standin::clear()
{
    std::lock_guard lock(impl_->mutex);
    impl_->messages.clear();
    impl_->views.clear();
    impl_->calls.clear();
    impl_->failures.clear();
    impl_->lost_answers.clear();
    impl_->bump();
}

void slack_standin::use_clock(std::function<std::chrono::system_clock::time_point()> now)
{
    std::lock_guard lock(impl_->mutex);
    impl_->clock = std::move(now);
}

void slack_standin::leave(const std::string& channel)
{
    std::lock_guard lock(impl_->mutex);
    impl_->outside.insert(channel);
    impl_->bump();
}

bool slack_standin::is_member(const std::string& channel) const
{
    std::lock_guard lock(impl_->mutex);
    return !impl_->outside.contains(channel);
}

void slack_standin::lose_answer_next(const std::string& method, int count)
{
    if (count <= 0)
        return;
    std::lock_guard lock(impl_->mutex);
    impl_->lost_answers[method] += count;
}

}  // namespace bot::webhooks
