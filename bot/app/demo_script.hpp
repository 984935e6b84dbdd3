#pragma once
// The scripted support day the demo plays: a customer opens a Critical case late
// on a Friday, an agent claims it Monday, status updates come due, one is missed
// and the leads are pinged. The same script drives the in-process demo and,
// with the Slack server, the demo over signed HTTP.
#include <string>
#include <vector>

namespace bot::app {

struct demo_step {
    enum class kind {
        say,    // `who` types `text` in `channel`
        tick,   // the scheduler runs at `at`
    };
    kind what = kind::say;
    std::string at;        // RFC 3339
    std::string who;       // person id from config/demo.toml
    std::string channel;   // channel id
    std::string text;      // the command, as typed after /case
    std::string note;      // one line of narration printed before the step
};

const std::vector<demo_step>& demo_script();

// config/demo.toml, embedded at build time.
extern const char* const demo_config_toml;

}  // namespace bot::app
