#pragma once
// The scripted support day the demo plays against the real server: a customer
// opens a Critical case at 17:30 on a Friday, an agent claims it Monday, status
// updates come due, one is missed and the leads are pinged. Each step is what a
// person does in Slack, sent as Slack sends it (signed HTTP).
#include <string>
#include <vector>

namespace bot::app {

struct demo_step {
    enum class kind {
        post,    // `who` posts `text` in `channel` (in the thread of case `on_case`, when set)
        slash,   // `who` types `/case text` in `channel`
        press,   // `who` presses the card's button `text` (case_claim, …) for case `on_case`
        react,   // `who` adds the reaction `text` to case `on_case`'s first message
        tick,    // the scheduler runs
    };
    kind what = kind::post;
    std::string at;        // RFC 3339
    std::string who;       // person id from config/demo.toml
    std::string channel;
    std::string text;
    int on_case = 0;
    std::string note;      // narration printed before the step
};

const std::vector<demo_step>& demo_script();

// config/demo.toml, embedded at build time.
extern const char* const demo_config_toml;

}  // namespace bot::app
