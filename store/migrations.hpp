#pragma once
// The schema migrations, embedded at build time from store/migrations/*.sql by
// store/embed_migrations.cmake. Internal to store/.
#include <span>
#include <string_view>

namespace bot::store::detail {

struct migration {
    int version = 0;          // the PRAGMA user_version the database has after this step
    std::string_view name;    // the file name without .sql, e.g. "0001_initial"
    std::string_view sql;     // one or more statements, run in one transaction
};

// Every migration, in order: migrations()[i].version == i + 1.
std::span<const migration> migrations() noexcept;

}  // namespace bot::store::detail
