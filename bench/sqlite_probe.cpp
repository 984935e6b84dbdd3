#include "bench/sqlite_probe.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace bot::bench {

std::string sqlite_library_version()
{
    return sqlite3_libversion();
}

struct sqlite_probe::handle {
    struct closer {
        void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
    };
    std::unique_ptr<sqlite3, closer> db;
};

namespace {
struct finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using statement_ptr = std::unique_ptr<sqlite3_stmt, finalizer>;

statement_ptr prepare(sqlite3* db, const std::string& sql)
{
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        throw std::runtime_error("probe: " + std::string{sqlite3_errmsg(db)} + " in: " + sql);
    }
    return statement_ptr{raw};
}
}  // namespace

sqlite_probe::sqlite_probe(const std::string& path) : db_(std::make_unique<handle>())
{
    sqlite3* raw = nullptr;
    int const rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    db_->db.reset(raw);
    if (rc != SQLITE_OK)
        throw std::runtime_error("probe: cannot open " + path + ": " + sqlite3_errstr(rc));
    sqlite3_busy_timeout(raw, 5000);
}

sqlite_probe::~sqlite_probe() = default;

std::int64_t sqlite_probe::scalar(const std::string& sql)
{
    auto st = prepare(db_->db.get(), sql);
    int const rc = sqlite3_step(st.get());
    if (rc == SQLITE_ROW)
        return sqlite3_column_int64(st.get(), 0);
    if (rc == SQLITE_DONE)
        return 0;
    throw std::runtime_error("probe: " + std::string{sqlite3_errmsg(db_->db.get())} + " in: " + sql);
}

std::string sqlite_probe::query_plan(const std::string& sql)
{
    auto st = prepare(db_->db.get(), "EXPLAIN QUERY PLAN " + sql);
    std::string out;
    for (;;) {
        int const rc = sqlite3_step(st.get());
        if (rc == SQLITE_DONE)
            return out;
        if (rc != SQLITE_ROW)
            throw std::runtime_error("probe: " + std::string{sqlite3_errmsg(db_->db.get())} + " in: " + sql);
        if (!out.empty())
            out += '\n';
        auto const* detail = sqlite3_column_text(st.get(), 3);
        out += detail ? reinterpret_cast<const char*>(detail) : "";
    }
}

}  // namespace bot::bench
