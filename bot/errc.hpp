#pragma once
// Infrastructure failures travel as bot::result<T> carrying a bot::errc.
// What a user typed wrong is not an error: it is an ordinary reply.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace bot {

enum class errc {
    storage_busy = 1,    // the database is locked by another writer; try again
    storage_failed,      // the database refused (corrupt, I/O, read-only)
    conflict,            // the case changed underneath us (optimistic version check)
    not_found,           // a row that must exist does not
    schema_too_new,      // the database was written by a newer casebot
    invalid_config,      // configuration failed validation
    delivery_failed,     // a chat platform refused a message for good
    delivery_retry,      // a chat platform asked us to try later
    duplicate,           // this event was already handled (a platform's retry)
    storage_full,        // the disk (or a quota) has no room for the database to grow
};

const boost::system::error_category& bot_category() noexcept;
boost::system::error_code make_error_code(errc e) noexcept;

template <class T>
using result = boost::system::result<T>;

}  // namespace bot

template <>
struct boost::system::is_error_code_enum<bot::errc> : std::true_type {};
