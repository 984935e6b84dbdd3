#pragma once
// The SQLite adapter behind both storage ports: cases with their history
// (bot::case_store) and the messages waiting for delivery (bot::outbox).
//
// Thread-safety: one object may be shared by several threads. Writes are
// serialized on one connection; writes that several threads make at the same time
// are committed together (group commit): one BEGIN IMMEDIATE transaction holds them
// all, each under a savepoint of its own, and each caller still gets its own result
// (a conflict or failure rolls back that write only). A write returns once its
// transaction has committed; a write made alone gets a transaction of its own.
// Reads of a file database use a second connection, so they never wait for a write
// (WAL readers see the last commit); an in-memory database has one connection for
// both. A thread can also run many calls in one transaction of its own (run_batch()).
// A file database is checkpointed on a thread of its own (wal_checkpointer.hpp), so
// a commit does not stop to copy the log into the database and sync it. Several objects and several processes may open the same file: the database
// runs in WAL mode with a 5 s busy timeout, and every write runs in a BEGIN
// IMMEDIATE transaction.
//
// Errors: nothing throws. Failures come back as bot::errc: storage_busy when
// another writer held the database past the busy timeout, storage_failed for
// any other SQLite failure (disk full, corrupt file, a constraint, including a
// case or contact whose customer is not in the customers table), conflict for
// a stale expected_version, schema_too_new for a database written by a newer
// casebot, not_found for an outbox id that does not exist.
//
// Cases, channels and contacts reference customers by id (foreign keys), so
// the app calls sync_directory() at startup and on every configuration reload,
// before committing cases. Tests: tests/store/sqlite_store_test.cpp.
#include "bot/case_store.hpp"
#include "bot/chat_memory.hpp"
#include "bot/clock.hpp"
#include "bot/directory.hpp"
#include "bot/outbox.hpp"

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace bot::store {

namespace detail {
class connection;  // store/sqlite_store.cpp
}
class wal_checkpointer;  // store/wal_checkpointer.hpp

// What a committed transaction survives (SQLite's PRAGMA synchronous, in WAL mode).
enum class durability {
    // synchronous=NORMAL: commits are not synced; the WAL is synced before each
    // checkpoint. A committed transaction survives a crash of the process, but an OS
    // crash or a power loss may lose the last ones (never corrupts the database).
    normal,
    // synchronous=FULL: the WAL is synced at every commit (with group commit, once
    // per group), so committed transactions survive an OS crash and a power loss too.
    full,
};

class sqlite_store final : public bot::case_store, public bot::outbox, public bot::chat_memory {
public:
    // Opens (creating if needed) the database at `path` (":memory:" for a private
    // in-memory one) with journal_mode=WAL (files), foreign_keys=ON, synchronous
    // NORMAL or FULL (`sync`) and a 5 s busy timeout, then runs pending migrations.
    // A file database gets a second connection for reads, so reads never wait for
    // writes. `clk` stamps outbox messages of a change that has no events (see
    // commit()); it must outlive the store. schema_too_new when the file's
    // user_version is newer than latest_schema_version().
    static result<std::unique_ptr<sqlite_store>> open(const std::string& path,
                                                      const bot::clock& clk = bot::real_clock(),
                                                      durability sync = durability::normal);

    // Brings the database at `path` to the latest schema and returns the version
    // reached (`casebot migrate`). Each migration runs in its own transaction.
    static result<int> migrate(const std::string& path);

    // Test hook: applies only migrations 1..`version` (never downgrades) and returns
    // the version reached, so tests can build a database as an older casebot left it.
    static result<int> migrate_to(const std::string& path, int version);

    // The schema version this build writes: the number of the last migration.
    static int latest_schema_version() noexcept;

    ~sqlite_store() override;
    sqlite_store(const sqlite_store&) = delete;
    sqlite_store& operator=(const sqlite_store&) = delete;

    // The schema version of the open database (always latest_schema_version()).
    int schema_version() const noexcept { return schema_version_; }

    // bot::case_store

    // Takes the next number from a counter in a short transaction (shared only with
    // other writes of this object, see group commit above) that has committed when it
    // returns, so a number is never handed out twice, across objects and processes,
    // even when the command that took it fails. Never below an id already stored.
    // When several threads want numbers at once, one transaction reserves a block for
    // all of them; the numbers a closing store has not handed out go back to the
    // counter (unless another process took numbers since), so only a crash under load
    // leaves a gap in the numbering.
    result<case_id> allocate_case_id() override;
    result<std::optional<case_record>> find(case_id id) override;
    // Matches the case's origin thread, or else its card_ref; nullopt for an empty thread.
    result<std::optional<case_record>> find_by_thread(platform where, std::string_view channel,
                                                      std::string_view thread) override;
    // Ordered by id, at most q.limit. `mine` with an empty actor_id matches nothing.
    result<std::vector<case_record>> list(const case_query& q) override;
    // How SQLite answers list(q): its EXPLAIN QUERY PLAN, one step per line.
    result<std::string> list_plan(const case_query& q);
    // The same for find_by_thread()'s two look-ups, by thread and by card, one after the other.
    result<std::string> find_by_thread_plan();
    // Oldest first.
    result<std::vector<case_event>> history(case_id id) override;

    // One transaction: inserts the case (expected_version 0; conflict when the id
    // exists) or updates it where the stored version is expected_version (conflict
    // otherwise, and nothing is written), then appends the events and enqueues the
    // messages as pending. The stored version is expected_version + 1, whatever
    // change.after.version says; events are stored under change.after.id.
    // The case's origin thread and card_ref are learned at delivery (delivered()):
    // an update that carries them empty keeps the stored ones, so a change computed
    // before the card went out does not erase them.
    // Messages are stamped (created_at, first next_attempt_at) with the latest
    // instant among the change's events, or with the store's clock when it has none.
    result<void> commit(const stored_change& change) override;
    // One transaction, each change under its own savepoint: a conflicting change is
    // rolled back and its id returned while the others commit. Any other failure
    // rolls back the whole batch and is returned.
    result<std::vector<case_id>> commit_batch(std::span<const stored_change> changes) override;
    // next_alarm_at <= now, earliest first (ties by id), at most `limit`; a case
    // without a next alarm is never returned. Reads an index of alarmed cases only.
    result<std::vector<case_record>> due_cases(wall_time now, std::size_t limit) override;
    // One transaction; messages are stamped with the store's clock.
    result<void> enqueue(std::span<const outbound_message> messages, std::string_view dedupe_key) override;
    // In the order they were added.
    result<std::vector<contact>> contacts(std::string_view customer) override;
    // Addresses compare case-insensitively (ASCII): "Bob@acme.com" duplicates "bob@acme.com".
    result<bool> add_contact(const contact& c) override;
    result<bool> remove_contact(std::string_view customer, std::string_view address) override;

    // bot::outbox

    // Ordered by id. A message for the case's thread (destination.case_thread) carries
    // the case's current thread when the case has one by now; a message queued before
    // its case card was delivered may still carry an empty thread.
    result<std::vector<outbox_entry>> pending(wall_time ready_by, std::size_t limit) override;
    result<std::vector<outbox_entry>> channel_heads(std::size_t per_channel) override;
    // Marks a pending message delivered; for a message that is no longer pending it
    // changes nothing and succeeds (not_found for an unknown id). In the same
    // transaction, a delivered case card teaches the case its thread: posted as the
    // thread root (case_thread set, case without a thread) the case's origin thread
    // and card_ref become `platform_ref`; posted into an existing thread, card_ref
    // becomes `platform_ref` if it was empty. The case's version is not bumped.
    result<void> delivered(std::int64_t id, wall_time at, std::string_view platform_ref) override;
    result<void> delivered_as_new_card(std::int64_t id, wall_time at, std::string_view platform_ref) override;
    // Marks the message in doubt since `at` (see bot::outbox); no effect on a message
    // that is no longer pending (not_found for an unknown id).
    result<void> attempting(std::int64_t id, wall_time at) override;
    // Counts a failed attempt if `counted`, records `error` and schedules the next attempt;
    // the message stays in doubt if `in_doubt`, else it no longer is. No effect on a
    // message that is no longer pending (not_found for an unknown id).
    result<void> retry_later(std::int64_t id, wall_time next_attempt, std::string_view error, bool in_doubt,
                             bool counted) override;
    // Counts a failed attempt and gives up on the message for good; no effect on a
    // message that is no longer pending (not_found for an unknown id).
    result<void> failed(std::int64_t id, wall_time at, std::string_view error) override;

    // bot::chat_memory

    result<bool> record_event(std::string_view key, wall_time at) override;
    result<void> forget_events_before(wall_time t) override;
    result<void> remember_message(const seen_message& m) override;
    result<std::optional<seen_message>> find_message(platform where, std::string_view channel,
                                                     std::string_view ts) override;
    result<void> forget_messages_before(wall_time t) override;
    // Writes only when the team changes or the stored sighting is an hour old or more:
    // chat_users.seen_at is the last sighting to within an hour.
    bool remembers_user_team(platform where, std::string_view user, std::string_view team, wall_time at) override;
    result<void> remember_user_team(platform where, std::string_view user, std::string_view team,
                                    wall_time at) override;
    result<std::optional<std::string>> user_team(platform where, std::string_view user) override;
    result<void> remember_conversation(platform where, std::string_view channel, const conversation_ref& ref) override;
    result<std::optional<conversation_ref>> find_conversation(platform where, std::string_view channel) override;
    result<std::optional<conversation_ref>> any_conversation_in(platform where, std::string_view tenant) override;

    // Batches

    // Runs `body` on this thread inside one write transaction, so that everything it
    // writes commits at once: the way a stream of commands shares one commit. Inside
    // `body`, every write through this store made on this thread runs under a
    // savepoint of its own in that transaction and returns as soon as it is written
    // (not yet committed): a failed write (a conflict, a duplicate event key) is rolled
    // back alone and returns its error, as it would outside; reads made on this thread
    // see the batch's writes. Other threads meanwhile read the last commit, and their
    // writes wait for the batch. Case numbers are reserved in the batch's transaction;
    // those it does not hand out go back before it commits.
    //
    // Returns the COMMIT's result. On a failure (the transaction was lost half-way, or
    // COMMIT failed) nothing `body` wrote is stored, and what it computed from its writes
    // must be discarded: run it again (outside a batch, say). One exception:
    // storage_busy means another process held the database past the busy timeout before
    // the batch began; `body` then ran with every write failing storage_busy at once (as
    // each would have alone, after its own wait), and its results stand.
    // A call made inside `body` is part of the same batch. If `body` throws, the batch
    // rolls back and the exception propagates.
    result<void> run_batch(const std::function<void()>& body);

    // Administration and diagnostics

    // Replaces the customers, channels and people tables with the configured ones,
    // in one transaction. A customer that left the configuration keeps its row while
    // cases or contacts still reference it. Channel webhook URLs (secrets) are not stored.
    result<void> sync_directory(const bot::directory& dir);
    // Adds (or renames) the configured customers and removes nothing: for a process
    // that opens cases beside a server whose configuration owns the directory.
    result<void> add_customers(const bot::directory& dir);
    // The latest messages in any state, newest first.
    result<std::vector<outbox_entry>> recent_outbox(std::size_t limit);
    // Messages marked failed (the platform refused them), newest first.
    result<std::vector<outbox_entry>> failed_outbox(std::size_t limit);
    // Failed messages become pending again, due at `now`, their attempts counted
    // afresh: the one with `id`, or every failed one when `id` is empty. How many did.
    result<std::size_t> requeue_failed(std::optional<std::int64_t> id, wall_time now);
    // Cases not resolved, closed or declined.
    result<std::size_t> count_open_cases();

private:
    // A borrowed callable that writes through db_ inside the transaction write()
    // provides, and starts no transaction of its own. It may run more than once
    // (see write()), so it must set its outputs afresh each time.
    class write_op {
    public:
        // Implicit, so that write() takes a lambda; `f` must outlive the write_op.
        template <class F>
            requires(!std::is_same_v<std::remove_cvref_t<F>, write_op>)
        write_op(F&& f) noexcept
            : target_(&f),
              call_([](void* t) -> result<void> { return (*static_cast<std::remove_reference_t<F>*>(t))(); })
        {
        }
        result<void> operator()() const { return call_(target_); }

    private:
        void* target_;
        result<void> (*call_)(void*);
    };
    struct write_job;  // one caller waiting in the group-commit queue

    sqlite_store(std::unique_ptr<detail::connection> db, std::unique_ptr<detail::connection> reader,
                 const bot::clock& clk, int version);

    // The connection for a read, locked for the caller.
    struct read_handle {
        std::unique_lock<std::mutex> lock;
        detail::connection* db;
    };
    read_handle read();

    // Runs `op` in a write transaction, grouped with the writes other threads queue
    // meanwhile; returns once that transaction has committed (or failed). See
    // "group commit" in sqlite_store.cpp.
    result<void> write(write_op op);
    result<void> mark_delivered(std::int64_t id, wall_time at, std::string_view platform_ref, bool new_card);
    result<void> write_in_batch(write_op op);           // on the batch's thread
    bool batching() const noexcept;                     // this thread is running a batch of this store
    void run_group(std::span<write_job* const> group);  // with mutex_ held
    result<void> run_alone(write_op op);                // with mutex_ held

    result<void> commit_one(const stored_change& change);
    result<void> insert_messages(std::span<const outbound_message> messages, wall_time created);

    std::mutex mutex_;                 // guards db_: one write group (or ":memory:" read) at a time
    std::unique_ptr<detail::connection> db_;
    std::mutex reader_mutex_;          // guards reader_: one read at a time on it
    std::unique_ptr<detail::connection> reader_;  // file databases only: the connection reads use
    std::unique_ptr<wal_checkpointer> checkpointer_;  // file databases only: checkpoints off the commit path
    const bot::clock& clock_;
    int schema_version_ = 0;

    result<case_id> reserve_case_ids(case_id count);   // returns the last number of the block
    void return_unused_case_ids() noexcept;

    std::mutex ids_mutex_;             // guards the block of reserved case numbers
    case_id next_id_ = 1;              // the next number of the block…
    case_id reserved_until_ = 0;       // …and its last (none left when next_id_ > reserved_until_)
    std::atomic<int> wanting_ids_{0};  // threads in allocate_case_id(): the next block's size

    // Users' teams seen lately (remember_user_team), by "platform\nuser": most requests
    // repeat a sighting and need no statement at all.
    struct sighting {
        std::string team;
        wall_time at;
    };
    static constexpr std::size_t max_sightings = 50'000;
    static std::string sighting_key(platform where, std::string_view user);
    std::mutex sightings_mutex_;
    std::unordered_map<std::string, sighting> sightings_;

    struct batch_state;                // the batch run_batch() is running, on the thread holding mutex_
    batch_state* batch_ = nullptr;

    std::mutex queue_mutex_;           // guards queue_ and writing_
    std::vector<write_job*> queue_;    // writes waiting for the next group, oldest first
    bool writing_ = false;             // a leader is running a group
};

}  // namespace bot::store
