#pragma once
// What every inbound request needs to know: the program, the directory and the
// platform secrets. Replaced as a whole when the configuration is reloaded
// (SIGHUP), so a request sees one consistent snapshot from start to end.
#include "bot/directory.hpp"
#include "bot/program.hpp"

#include <memory>
#include <mutex>
#include <string>

namespace bot::webhooks {

struct desk_snapshot {
    bot::program rules;
    bot::directory people;
    std::string vendor;
    std::string slack_signing_secret;
    std::string slack_bot_user;          // our bot's user id: its own messages are ignored
    std::string teams_webhook_secret;    // base64, as Teams shows it
    std::string teams_app_id;            // Bot Framework: the expected JWT audience
};

class desk_state {
public:
    explicit desk_state(std::shared_ptr<const desk_snapshot> first) : current_(std::move(first)) {}

    std::shared_ptr<const desk_snapshot> get() const
    {
        std::lock_guard lock{mutex_};
        return current_;
    }

    void replace(std::shared_ptr<const desk_snapshot> next)
    {
        std::lock_guard lock{mutex_};
        current_ = std::move(next);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const desk_snapshot> current_;
};

}  // namespace bot::webhooks
