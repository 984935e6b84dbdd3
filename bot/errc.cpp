#include "bot/errc.hpp"

#include <string>

namespace bot {
namespace {
// Boost's error_category has a protected non-virtual destructor by design; categories
// are never deleted through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class bot_error_category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "casebot"; }
    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::storage_busy: return "the database is busy";
        case errc::storage_failed: return "the database failed";
        case errc::conflict: return "the case changed while we worked on it";
        case errc::not_found: return "not found";
        case errc::schema_too_new: return "the database was written by a newer casebot";
        case errc::invalid_config: return "invalid configuration";
        case errc::delivery_failed: return "the chat platform refused the message";
        case errc::delivery_retry: return "the chat platform asked us to retry later";
        case errc::duplicate: return "this event was already handled";
        case errc::storage_full: return "the database's disk is full";
        }
        return "unknown casebot error";
    }
};
#pragma GCC diagnostic pop
}  // namespace

const boost::system::error_category& bot_category() noexcept
{
    static const bot_error_category category;
    return category;
}

boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), bot_category()};
}
}  // namespace bot
