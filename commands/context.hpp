#pragma once
// What every command runs against: the ports, the clock, the program and the
// configured people; and who typed it where.
#include "bot/actor.hpp"
#include "bot/case_store.hpp"
#include "bot/clock.hpp"
#include "bot/directory.hpp"
#include "bot/program.hpp"

#include <string>

namespace bot::commands {

struct context {
    bot::case_store& cases;
    const bot::clock& clock;
    const bot::program& rules;
    const bot::directory& people;
    std::string vendor = "the vendor";
    // Set when the command comes from a platform event that may be retried: the first
    // change it commits carries the key, so a retry changes nothing (errc::duplicate).
    std::string dedupe_key = {};
};

struct invocation {
    bot::actor who;
    bot::platform where = bot::platform::cli;  // the conversation's platform
    std::string channel;                       // where it was typed
    std::string thread;                        // the thread it was typed in, if any
    std::string description;                   // for `new`: the full text of the issue, when richer than a title
    // Set where every answer is seen by the whole channel (a Teams customer channel has
    // no private replies): only this organisation's cases may be shown or changed.
    std::string scope_customer;
    // A press of a button or a reaction rather than typed words: `claim` then leaves a
    // case another agent has to them (the card was out of date, or two pressed at once).
    bool pressed = false;
};

}  // namespace bot::commands
