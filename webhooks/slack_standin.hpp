#pragma once
// A local stand-in for Slack's Web API, for the demo and integration tests. It
// serves, on 127.0.0.1:
//   POST /api/chat.postMessage, /api/chat.update, /api/chat.postEphemeral,
//        /api/views.open, /api/conversations.history, /api/conversations.replies,
//        /api/conversations.open, /api/conversations.join, /api/users.info
//   POST /response/<id>   (a response_url)
// and answers like Slack: HTTP 200 with {"ok":true,…} or {"ok":false,"error":…};
// a wrong or missing bearer token gets invalid_auth. Arguments are read from a JSON
// body, a form-encoded body or the query string, as Slack does. Everything posted
// is recorded in memory; tests and the demo wait for deliveries with wait_for()
// instead of sleeping, and make calls fail on purpose with fail_next() (or succeed
// with their answer lost, lose_answer_next()). conversations.* answer in pages
// (limit, cursor) and show message metadata with include_all_metadata, as Slack does.
// A post to a user id (U…) lands, as in Slack, in the app's direct conversation with
// that person: channel "D" + the rest of the id (U0LEA → D0LEA), which
// conversations.open answers.
// Thread-safe: the accessors may be called from any thread while it serves.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bot::webhooks {

struct standin_message {
    std::string channel;     // response_url posts: the <id> of /response/<id>
    std::string ts;          // every message gets a unique, increasing ts (also ephemeral and response_url ones)
    std::string thread_ts;
    std::string text;
    std::string user;        // ephemeral recipient; the author of an add_message() message
    std::string team;        // the author's team_id (add_message() only)
    boost::json::array blocks;
    boost::json::object metadata;   // chat.postMessage's metadata, if it had any
    std::string kind;        // "post", "update" (a post changed by chat.update), "ephemeral", "response_url",
                             // "seeded" (someone else's message, from add_message())
    int revisions = 0;       // how many times chat.update changed it
    boost::json::object args;   // the arguments of the last call that wrote it, as received
};

class slack_standin {
public:
    // Serves on 127.0.0.1:`port` (0: a free port) once started; `token` is the bot
    // token it expects in `Authorization: Bearer …` on /api/*.
    explicit slack_standin(std::string token, unsigned short port = 0);
    ~slack_standin();   // stops
    slack_standin(const slack_standin&) = delete;
    slack_standin& operator=(const slack_standin&) = delete;

    // Binds and serves on the stand-in's own threads; throws std::system_error
    // when the port cannot be bound. stop() is idempotent.
    void start();
    void stop();

    // "http://127.0.0.1:PORT/api/" and "http://127.0.0.1:PORT/response/<id>" (after start()).
    std::string base_url() const;
    std::string response_url(const std::string& id) const;

    // users.info answers for these users; others get user_not_found.
    void add_user(const std::string& id, const std::string& team_id, const std::string& name);
    // Whom auth.test says the token is (by default U0CASEBOT in T0VENDOR, as in config/demo.toml).
    void set_identity(const std::string& bot_user_id, const std::string& team_id);

    // A message someone else wrote (a customer), so that conversations.history can
    // find it; answers its new ts. The bot cannot chat.update it (cant_update_message).
    std::string add_message(const std::string& channel, const std::string& user, const std::string& team,
                            const std::string& text, const std::string& thread_ts = {});

    // The next `count` calls to `method` ("chat.postMessage", …, or "response_url")
    // answer with `http_status` instead of being served: e.g. 429 with
    // `Retry-After: <retry_after_seconds>` and {"ok":false,"error":"ratelimited"}, 500, or
    // HTTP 200 with {"ok":false,"error":<slack_error>}. An empty slack_error means
    // "ratelimited" for 429, "internal_error" otherwise. Injections queue up in order.
    void fail_next(const std::string& method, int http_status, std::optional<int> retry_after_seconds = std::nullopt,
                   const std::string& slack_error = {}, int count = 1);

    // The next `count` calls to `method` are carried out (a post is posted), but answered
    // with HTTP 502 and an HTML page: what a caller sees when a gateway loses the answer.
    void lose_answer_next(const std::string& method, int count = 1);

    // The bot is not a member of `channel` (it was never invited, or left): reading it
    // (conversations.history, .replies) answers not_in_channel; posting still works in
    // a public channel (C…, chat:write.public) but not a private one. conversations.join
    // makes it a member of a public channel again. Every channel starts as a member.
    void leave(const std::string& channel);
    bool is_member(const std::string& channel) const;

    // Message ts follow `now` (the tests' clock; 1 µs past it) instead of a counter from
    // 1700000000, staying unique and increasing, so that oldest/latest compare with that clock.
    void use_clock(std::function<std::chrono::system_clock::time_point()> now);

    // Requests to `method` so far, including refused and failed ones.
    std::size_t calls(const std::string& method) const;

    std::vector<standin_message> messages() const;   // in the order they were first written
    std::vector<standin_message> messages_in(const std::string& channel) const;
    std::vector<boost::json::object> opened_views() const;   // views.open's `view` arguments

    // Waits until `predicate(messages())` holds or `timeout` passes; true if it holds.
    // The predicate is evaluated at once and again after every change (a message,
    // a view, a call counted), on a copy and without the stand-in's lock held, so it
    // may also look at calls() or opened_views().
    bool wait_for(const std::function<bool(const std::vector<standin_message>&)>& predicate,
                  std::chrono::milliseconds timeout) const;

    // Forgets messages, views, counters and pending failures (not users).
    void clear();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace bot::webhooks
