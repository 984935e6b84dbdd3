#include "bot/clock.hpp"

namespace bot {
namespace {
class system_clock_source final : public clock {
public:
    wall_time now() const override
    {
        return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    }
    mono_time monotonic() const override { return std::chrono::steady_clock::now(); }
};
}  // namespace

const clock& real_clock()
{
    static const system_clock_source source;
    return source;
}
}  // namespace bot
