#pragma once
// A small configured world for tests: two customers (acme on Slack, globex on
// Teams), an agent, a second agent, a lead and a customer of each organisation.
#include "bot/actor.hpp"
#include "bot/directory.hpp"
#include "bot/program.hpp"

namespace bot::test {

bot::directory sample_directory();
const bot::program& default_program();

inline constexpr const char* acme_channel = "C0ACME";
inline constexpr const char* globex_channel = "19:globex@thread.tacv2";
inline constexpr const char* agents_channel = "C0AGENTS";
inline constexpr const char* leads_channel = "C0LEADS";

// Actors as the directory resolves them, speaking from the CLI.
bot::actor ana();     // agent
bot::actor raj();     // agent
bot::actor lea();     // lead
bot::actor carol();   // customer of acme
bot::actor gus();     // customer of globex

}  // namespace bot::test
