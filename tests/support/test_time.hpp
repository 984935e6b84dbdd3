#pragma once
// Time for tests: a clock set by hand and instants written as text.
#include "bot/clock.hpp"

#include <string_view>

namespace date {
class time_zone;
}

namespace bot::test {

// Parses "2026-03-06T17:30:00Z" or "2026-03-06T17:30:00-05:00"; throws on bad input.
wall_time utc(std::string_view rfc3339);

// The America/New_York zone, looked up once.
const date::time_zone* new_york();

class manual_clock final : public bot::clock {
public:
    explicit manual_clock(wall_time start) : now_(start) {}
    wall_time now() const override { return now_; }
    mono_time monotonic() const override { return mono_time{} + (now_ - wall_time{}); }
    void set(wall_time t) { now_ = t; }
    void advance(std::chrono::seconds d) { now_ += d; }

private:
    wall_time now_;
};

}  // namespace bot::test

// Failed checks on instants print them as RFC 3339, not as "{?}".
#include "bot/time_text.hpp"

#include <doctest/doctest.h>

namespace doctest {
template <>
struct StringMaker<bot::wall_time> {
    static String convert(const bot::wall_time& t) { return bot::format_utc(t).c_str(); }
};
}  // namespace doctest
