#pragma once
// The command language (design.md §5), one parser for every surface:
//   new [critical|normal|low] [error|question|change-request|work-order|crm-maintenance] <title>
//   claim <id> · ack <id> [text] · info <id> <question> · update <id> <text> · note <id> <text>
//   severity <id> <level> <reason> · approve <id> · decline <id> <reason>
//   category <id> <category> · assign <id> <@user> · escalate <id> <reason>
//   resolve <id> [note] · close <id> · reopen <id> [reason]
//   show <id> · why <id> · list [mine|open|breached|waiting|all] · sla
//   contacts [list] · contacts add <address> [name] · contacts remove <address> · help [command]
// `#` before an id is optional. Pure: no I/O.
#include "bot/case_store.hpp"
#include "bot/vocabulary.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace bot::commands {

enum class verb {
    new_case, claim, ack, info, update, note, severity, approve, decline, category, assign,
    escalate, resolve, close, reopen, show, why, list, sla, contacts, help,
};

inline constexpr std::array all_verbs{
    verb::new_case, verb::claim,   verb::ack,    verb::info,   verb::update,  verb::note,   verb::severity,
    verb::approve,  verb::decline, verb::category, verb::assign, verb::escalate, verb::resolve, verb::close,
    verb::reopen,   verb::show,    verb::why,    verb::list,   verb::sla,     verb::contacts, verb::help,
};

enum class contacts_op { list, add, remove };

struct command {
    verb what = verb::help;
    std::optional<case_id> id;
    std::optional<severity> level;
    std::optional<category> kind;
    std::string text;             // title, question, reason, note, contact name
    std::string target;           // assignee mention, contact address, help topic
    list_scope scope = list_scope::open;
    contacts_op contacts = contacts_op::list;
};

struct parse_error {
    std::string message;      // what is wrong, in a sentence
    std::string usage_line;   // how to write the command; empty for an unknown command
};

std::variant<command, parse_error> parse_command(std::string_view text);

std::string_view name_of(verb v) noexcept;
std::optional<verb> parse_verb(std::string_view word) noexcept;
// "claim <id>"
std::string_view usage_of(verb v) noexcept;
// One line on what the command does.
std::string_view summary_of(verb v) noexcept;

}  // namespace bot::commands
