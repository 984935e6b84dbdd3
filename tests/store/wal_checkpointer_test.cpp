#include "store/wal_checkpointer.hpp"  // first: proves the header is self-contained

#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

namespace {
using bot::store::wal_checkpointer;
namespace fs = std::filesystem;
using bot::test::temp_dir;

// A writer connection in WAL mode with a table of 1 KiB rows.
class writer {
public:
    explicit writer(const std::string& path)
    {
        REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
        must("PRAGMA journal_mode = WAL");
        must("PRAGMA synchronous = NORMAL");
        must("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    }
    ~writer() { sqlite3_close(db_); }
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;

    sqlite3* handle() const { return db_; }
    void must(const std::string& sql) { REQUIRE(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK); }
    // One commit of `rows` rows (about rows / 4 pages).
    void commit(int rows)
    {
        must("BEGIN IMMEDIATE");
        for (int i = 0; i < rows; ++i)
            must("INSERT INTO rows (body) VALUES (printf('%.1000c', 'x'))");
        must("COMMIT");
    }

private:
    sqlite3* db_ = nullptr;
};

// Polls `done` for up to 10 s: the checkpointer's thread runs on its own time.
bool eventually(const std::function<bool()>& done)
{
    auto const until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (!done()) {
        if (std::chrono::steady_clock::now() > until)
            return false;
        std::this_thread::yield();
    }
    return true;
}

}  // namespace

TEST_CASE("commits only ask: the thread copies the log into the database, and the writer never checkpoints")
{
    temp_dir dir;
    auto const path = dir.file("cases.db");
    writer w{path};
    auto const empty_size = fs::file_size(path);
    auto checkpoints = wal_checkpointer::start(path, w.handle(), {40, 1'000'000});
    REQUIRE(checkpoints.has_value());
    auto& cp = **checkpoints;

    for (int i = 0; i < 20; ++i)
        w.commit(20);   // about 5 pages each: 100 pages in all
    REQUIRE(eventually([&] { return cp.background_checkpoints() >= 1; }));
    CHECK(cp.inline_checkpoints() == 0);
    // The pages really reached the database file (a checkpoint through a connection
    // that never read the file would have done nothing and still "succeeded").
    REQUIRE(eventually([&] { return fs::file_size(path) > empty_size + 40 * 4096; }));
}

TEST_CASE("past the inline size the writer checkpoints itself, so the log starts over and stays bounded")
{
    temp_dir dir;
    auto const path = dir.file("cases.db");
    writer w{path};
    auto checkpoints = wal_checkpointer::start(path, w.handle(), {1'000'000, 60});
    REQUIRE(checkpoints.has_value());
    for (int i = 0; i < 100; ++i)
        w.commit(20);   // about 500 pages written in all
    CHECK((*checkpoints)->inline_checkpoints() >= 5);
    CHECK((*checkpoints)->background_checkpoints() == 0);
    // The log file is reused from its start after each inline checkpoint.
    CHECK(fs::file_size(path + "-wal") < 100 * 4200);
}

TEST_CASE("stopping gives the writer its automatic checkpoints back")
{
    temp_dir dir;
    auto const path = dir.file("cases.db");
    writer w{path};
    {
        // Gives back automatic checkpoints every background_pages (10) pages.
        auto checkpoints = wal_checkpointer::start(path, w.handle(), {10, 1'000'000});
        REQUIRE(checkpoints.has_value());
    }
    auto const before = fs::file_size(path);
    for (int i = 0; i < 10; ++i)
        w.commit(20);
    CHECK(fs::file_size(path) > before);   // the writer's own checkpoints copied pages
}

TEST_CASE("a database that cannot be opened is an error, not a checkpointer that does nothing")
{
    temp_dir dir;
    auto checkpoints = wal_checkpointer::start(dir.file("missing/cases.db"), nullptr);
    CHECK_FALSE(checkpoints.has_value());
}
