#pragma once
// Parses a line of the command language, checks the caller's role and runs the
// command. One dispatcher serves every surface (CLI, Slack, Teams).
#include "commands/handlers.hpp"

#include <map>

namespace bot::commands {

class dispatcher {
public:
    // Throws std::logic_error when `v` already has a handler.
    void add(verb v, handler h);

    // A reply for everything the caller did; an error only when infrastructure failed
    // (nothing was changed then; the surface apologises and logs).
    result<reply> run(std::string_view text, const invocation& in, context& ctx) const;

private:
    std::map<verb, handler> handlers_;
};

// Every command of the language.
dispatcher register_all();

// What the caller sees when the store failed: nothing changed, try again.
reply apology(const boost::system::error_code& ec);

}  // namespace bot::commands
