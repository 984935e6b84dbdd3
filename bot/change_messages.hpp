#pragma once
// Turns a domain decision into what the store writes: the notices become concrete
// outbound messages through the directory's routing.
#include "bot/case_ops.hpp"
#include "bot/case_store.hpp"
#include "bot/directory.hpp"

namespace bot {

stored_change with_messages(case_change change, const directory& people);

}  // namespace bot
