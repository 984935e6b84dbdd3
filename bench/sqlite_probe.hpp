#pragma once
// A second, read-only connection to a benchmark database, for what the store's
// ports do not tell: row counts (messages a pass enqueued) and query plans. Only
// the benchmark uses it; casebot reads its database through store/ alone.
#include <cstdint>
#include <memory>
#include <string>

namespace bot::bench {

// The SQLite library linked in, e.g. "3.40.1".
std::string sqlite_library_version();

class sqlite_probe {
public:
    // Opens `path` read-only. Throws std::runtime_error when it cannot.
    explicit sqlite_probe(const std::string& path);
    ~sqlite_probe();
    sqlite_probe(const sqlite_probe&) = delete;
    sqlite_probe& operator=(const sqlite_probe&) = delete;

    // The first column of the first row of `sql` as an integer (0 for no row or NULL).
    // Throws std::runtime_error on an SQL error.
    std::int64_t scalar(const std::string& sql);
    // EXPLAIN QUERY PLAN of `sql`, one "detail" per line. Throws std::runtime_error.
    std::string query_plan(const std::string& sql);

private:
    struct handle;
    std::unique_ptr<handle> db_;
};

}  // namespace bot::bench
