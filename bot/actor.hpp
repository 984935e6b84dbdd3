#pragma once
// Who is acting: resolved by the directory from configuration, never from what a
// message claims about itself.
#include "bot/vocabulary.hpp"

#include <string>

namespace bot {

struct actor {
    std::string id;             // person id from config, or "<platform>:<user id>" when not configured
    std::string name;           // display name
    role who = role::customer;
    std::string customer;       // the organisation, for customers
    platform where = platform::cli;
    std::string platform_user;  // the id on `where`, for mentions

    bool is_staff() const noexcept { return bot::is_staff(who); }
    bool is_lead() const noexcept { return who == role::lead; }
};

}  // namespace bot
