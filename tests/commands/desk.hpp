#pragma once
// A support desk for command tests: the sample world, a fake store, a manual clock
// and the real dispatcher. run() types a line as someone in a channel.
#include "commands/dispatcher.hpp"
#include "support/fake_case_store.hpp"
#include "support/sample_world.hpp"
#include "support/test_time.hpp"

#include <doctest/doctest.h>

namespace bot::test {

struct desk {
    explicit desk(std::string_view now = "2026-03-09T14:00:00Z")   // Mon 10:00 EDT
        : clock(utc(now)), people(sample_directory()), ctx{store, clock, default_program(), people, "TekStack"}
    {
    }

    commands::reply run(const actor& who, std::string_view text, std::string_view channel = acme_channel)
    {
        commands::invocation in;
        in.who = who;
        in.where = people.any_channel(channel) ? people.any_channel(channel)->where : platform::slack;
        in.channel = std::string{channel};
        in.scope_customer = people.answers_shown_to(in.where, channel);   // as the servers do
        auto out = dispatch.run(text, in, ctx);
        REQUIRE(out.has_value());
        return *out;
    }

    // Opens a case as carol in acme's channel and returns its number.
    case_id open(std::string_view text = "new normal error Invoices fail to post")
    {
        auto r = run(carol(), text);
        REQUIRE(r.kind == commands::reply_kind::ok);
        REQUIRE(r.case_ref);
        return *r.case_ref;
    }

    manual_clock clock;
    fake_case_store store;
    directory people;
    commands::dispatcher dispatch = commands::register_all();
    commands::context ctx;
};

inline bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

}  // namespace bot::test
