#pragma once
// The casebot subcommands. Each reads its own options (args exclude the
// subcommand's name) and returns the process exit code: 0 done, 1 failed, 2 misused.
#include <string>
#include <vector>

namespace bot::app {

using args = std::vector<std::string>;

int run_migrate(const args& a);
int run_cmd(const args& a);
int run_sla(const args& a);
int run_remind(const args& a);
int run_outbox(const args& a);
int run_demo(const args& a);
int run_serve(const args& a);

}  // namespace bot::app
