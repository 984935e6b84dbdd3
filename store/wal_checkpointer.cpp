#include "store/wal_checkpointer.hpp"

#include <sqlite3.h>

namespace bot::store {

result<std::unique_ptr<wal_checkpointer>> wal_checkpointer::start(const std::string& path, sqlite3* writer,
                                                                  options o)
{
    sqlite3* own = nullptr;
    int const rc = sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_close(own);   // a failed open may still allocate a handle
        return errc::storage_failed;
    }
    sqlite3_busy_timeout(own, 5000);
    // A connection learns that the file is in WAL mode when it first reads it; until
    // then a checkpoint through it does nothing at all (and says so only by -1 counts).
    if (sqlite3_exec(own, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) != SQLITE_OK) {
        sqlite3_close(own);
        return errc::storage_failed;
    }
    return std::unique_ptr<wal_checkpointer>{new wal_checkpointer{own, writer, o}};
}

wal_checkpointer::wal_checkpointer(sqlite3* own, sqlite3* writer, options o)
    : own_(own), writer_(writer), options_(o)
{
    thread_ = std::thread([this] { run(); });
    sqlite3_wal_hook(writer_, &wal_checkpointer::on_commit, this);   // replaces the automatic checkpoints
}

wal_checkpointer::~wal_checkpointer()
{
    sqlite3_wal_autocheckpoint(writer_, options_.background_pages);   // the writer's hook, back as it was
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    sqlite3_close(own_);
}

std::size_t wal_checkpointer::background_checkpoints() const
{
    std::lock_guard lock{mutex_};
    return background_;
}

std::size_t wal_checkpointer::inline_checkpoints() const
{
    std::lock_guard lock{mutex_};
    return inline_;
}

// Called by SQLite on the writer's thread after each commit, with the log's size.
int wal_checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) noexcept
{
    auto& me = *static_cast<wal_checkpointer*>(self);
    if (pages >= me.options_.inline_pages) {
        // Failure (a reader still using old pages, say) only leaves the log longer.
        int log_pages = 0;
        int copied = 0;
        int const rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &copied);
        std::lock_guard lock{me.mutex_};
        if (rc == SQLITE_OK && copied > 0)
            me.copied_ = copied;
        ++me.inline_;
        return SQLITE_OK;
    }
    bool wake = false;
    {
        std::lock_guard lock{me.mutex_};
        if (pages < me.copied_)
            me.copied_ = 0;   // the log has started over
        if (pages - me.copied_ >= me.options_.background_pages)
            wake = !std::exchange(me.requested_, true);
    }
    if (wake)
        me.wake_.notify_one();
    return SQLITE_OK;
}

void wal_checkpointer::run()
{
    std::unique_lock lock{mutex_};
    for (;;) {
        wake_.wait(lock, [this] { return requested_ || stopping_; });
        if (stopping_)
            return;
        requested_ = false;   // commits made during this checkpoint ask for the next one
        lock.unlock();
        // Copies what the log holds now. Failure (busy, say) leaves it for the next request.
        int log_pages = 0;
        int copied = 0;
        int const rc = sqlite3_wal_checkpoint_v2(own_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &copied);
        lock.lock();
        if (rc == SQLITE_OK && copied > 0)
            copied_ = copied;
        ++background_;
    }
}

}  // namespace bot::store
