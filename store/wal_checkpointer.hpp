#pragma once
// Checkpoints a WAL database on a thread of its own. By default SQLite checkpoints
// inside the COMMIT that takes the log past 1,000 pages: that writer then syncs the
// log, copies the pages into the database and syncs the database, tens of
// milliseconds during which every queued write waits. Here the commit only asks,
// and a thread with its own connection runs a PASSIVE checkpoint, which never
// blocks writers or readers.
//
// A passive checkpoint cannot finish while writes keep coming, and the log only
// starts over from its beginning once everything in it has been copied. So when
// the log reaches `inline_pages` the writer checkpoints itself right after its
// commit: the background has already copied nearly everything, so that costs about
// what the last few commits wrote, and the next write starts the log over.
#include "bot/errc.hpp"

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace bot::store {

class wal_checkpointer {
public:
    struct options {
        int background_pages = 1000;   // ask the thread once the log holds this many pages
        int inline_pages = 8000;       // the writer checkpoints itself from this size (32 MiB)
    };

    // Opens its own connection to `path` and takes over `writer`'s WAL hook (which
    // also turns off the writer's own automatic checkpoints). `writer` must outlive
    // this object, and be used by one thread at a time, as SQLite requires anyway.
    static result<std::unique_ptr<wal_checkpointer>> start(const std::string& path, sqlite3* writer, options o);
    static result<std::unique_ptr<wal_checkpointer>> start(const std::string& path, sqlite3* writer)
    {
        return start(path, writer, options{});
    }

    // Gives the writer its automatic checkpoints back and stops the thread.
    ~wal_checkpointer();
    wal_checkpointer(const wal_checkpointer&) = delete;
    wal_checkpointer& operator=(const wal_checkpointer&) = delete;

    // Checkpoints run so far, by the thread and by the writer (tests, logs).
    std::size_t background_checkpoints() const;
    std::size_t inline_checkpoints() const;

private:
    wal_checkpointer(sqlite3* own, sqlite3* writer, options o);
    static int on_commit(void* self, sqlite3* db, const char* schema, int pages) noexcept;
    void run();

    sqlite3* own_;       // the thread's connection
    sqlite3* writer_;
    options options_;

    mutable std::mutex mutex_;   // guards everything below
    std::condition_variable wake_;
    bool requested_ = false;
    int copied_ = 0;             // pages of the log the last checkpoint copied: the next one waits for
                                 // background_pages more
    bool stopping_ = false;
    std::size_t background_ = 0;
    std::size_t inline_ = 0;
    std::thread thread_;
};

}  // namespace bot::store
