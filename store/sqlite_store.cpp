#include "store/sqlite_store.hpp"

#include "store/migrations.hpp"
#include "store/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

namespace bot::store {
namespace {

// ---- errors

// SQLite result codes as bot::errc: a locked database is worth retrying, the rest is not.
errc error_of(int rc) noexcept
{
    switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return errc::storage_busy;
    case SQLITE_FULL: return errc::storage_full;   // an operator's problem to name plainly
    default: return errc::storage_failed;
    }
}

// ---- SQL text built at compile time

// Concatenates string constants at compile time, so one column list serves every
// statement that reads or writes a case. `value` has static storage: its address
// identifies the statement in the cache.
template <const std::string_view&... Parts>
struct sql_join {
    static constexpr auto storage = [] {
        std::array<char, (Parts.size() + ... + 1)> out{};  // zero-terminated
        std::size_t at = 0;
        for (std::string_view part : {Parts...})
            for (char ch : part)
                out[at++] = ch;
        return out;
    }();
    static constexpr std::string_view value{storage.data(), storage.size() - 1};
};

template <const std::string_view&... Parts>
inline constexpr std::string_view join_sql = sql_join<Parts...>::value;

// ---- handles

struct database_closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct statement_finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using database_ptr = std::unique_ptr<sqlite3, database_closer>;
using statement_ptr = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

std::int64_t to_unix(wall_time t) noexcept
{
    return t.time_since_epoch().count();
}

wall_time from_unix(std::int64_t seconds) noexcept
{
    return wall_time{std::chrono::seconds{seconds}};
}

// A failed result<bool>: an error_code alone is ambiguous there (it converts to bool).
result<bool> failure(const boost::system::error_code& ec) noexcept
{
    return {boost::system::in_place_error, ec};
}

std::int64_t to_limit(std::size_t limit) noexcept
{
    return static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// A cached prepared statement, borrowed for one use: reset and unbound when the
// borrow ends, so its read or write finishes and no stale binding survives.
// Text is bound without a copy (SQLITE_STATIC): the bound string must outlive the
// last step(). A failed bind is kept and returned by the next step().
class statement {
public:
    explicit statement(sqlite3_stmt* s) noexcept : s_(s) {}
    statement(statement&& other) noexcept : s_(std::exchange(other.s_, nullptr)), bind_rc_(other.bind_rc_) {}
    statement& operator=(statement&&) = delete;
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement()
    {
        if (s_) {
            sqlite3_reset(s_);  // repeats the last step's error, already reported
            sqlite3_clear_bindings(s_);
        }
    }

    void bind_int(int index, std::int64_t v) noexcept { note(sqlite3_bind_int64(s_, index, v)); }
    void bind_bool(int index, bool v) noexcept { note(sqlite3_bind_int(s_, index, v ? 1 : 0)); }
    void bind_null(int index) noexcept { note(sqlite3_bind_null(s_, index)); }
    void bind_time(int index, wall_time t) noexcept { bind_int(index, to_unix(t)); }
    void bind_time(int index, const std::optional<wall_time>& t) noexcept
    {
        if (t)
            bind_time(index, *t);
        else
            bind_null(index);
    }
    void bind_text(int index, std::string_view v) noexcept
    {
        // A null pointer would bind SQL NULL; an empty string_view may have one.
        char const* data = v.empty() ? "" : v.data();
        note(sqlite3_bind_text64(s_, index, data, v.size(), nullptr /* SQLITE_STATIC */, SQLITE_UTF8));
    }
    // Binds NULL for an empty string.
    void bind_text_or_null(int index, std::string_view v) noexcept
    {
        if (v.empty())
            bind_null(index);
        else
            bind_text(index, v);
    }

    // true: a row is ready; false: the statement finished.
    result<bool> step() noexcept
    {
        if (bind_rc_ != SQLITE_OK)
            return error_of(bind_rc_);
        switch (int const rc = sqlite3_step(s_)) {
        case SQLITE_ROW: return true;
        case SQLITE_DONE: return false;
        default: return error_of(rc);
        }
    }

    // Steps until the statement finishes, ignoring rows.
    result<void> run() noexcept
    {
        for (;;) {
            auto more = step();
            if (!more)
                return more.error();
            if (!*more)
                return {};
        }
    }

    bool is_null(int col) const noexcept { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
    std::int64_t integer(int col) const noexcept { return sqlite3_column_int64(s_, col); }
    int small_integer(int col) const noexcept { return sqlite3_column_int(s_, col); }
    bool boolean(int col) const noexcept { return sqlite3_column_int(s_, col) != 0; }
    wall_time time(int col) const noexcept { return from_unix(integer(col)); }
    std::optional<wall_time> optional_time(int col) const noexcept
    {
        if (is_null(col))
            return std::nullopt;
        return time(col);
    }
    // Valid until the next step() or the end of the borrow.
    std::string_view text_view(int col) const noexcept
    {
        auto const* p = sqlite3_column_text(s_, col);
        if (!p)
            return {};
        auto const n = sqlite3_column_bytes(s_, col);
        return {reinterpret_cast<char const*>(p), static_cast<std::size_t>(n)};
    }
    std::string text(int col) const
    {
        auto const* p = sqlite3_column_text(s_, col);
        if (!p)
            return {};
        auto const n = sqlite3_column_bytes(s_, col);  // after column_text: the UTF-8 length
        return std::string(reinterpret_cast<char const*>(p), static_cast<std::size_t>(n));
    }

private:
    void note(int rc) noexcept
    {
        if (bind_rc_ == SQLITE_OK)
            bind_rc_ = rc;
    }

    sqlite3_stmt* s_;
    int bind_rc_ = SQLITE_OK;
};

}  // namespace

// One SQLite connection with its prepared statements, cached by the address of
// their constexpr text. Not thread-safe: sqlite_store's mutex guards it.
class detail::connection {
public:
    static result<std::unique_ptr<connection>> open(const std::string& path)
    {
        // SQLite counts its memory under one global mutex by default: every allocation
        // of every connection, on every thread, would take it. Nothing reads the counts.
        // Effective only before SQLite initializes (the first open in the process).
        static bool const untracked = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
        (void)untracked;
        sqlite3* raw = nullptr;
        // NOMUTEX: sqlite_store serializes calls itself.
        int const rc = sqlite3_open_v2(path.c_str(), &raw,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        database_ptr db{raw};  // a failed open may still allocate a handle
        if (rc != SQLITE_OK)
            return error_of(rc);
        sqlite3_extended_result_codes(raw, 1);
        sqlite3_busy_timeout(raw, 5000);  // wait up to 5 s for another writer, then storage_busy
        return std::unique_ptr<connection>{new connection{std::move(db)}};
    }

    // The cached statement for `sql`, prepared on first use. `sql` must have static storage.
    result<statement> prepare(std::string_view sql)
    {
        auto& slot = cache_[sql.data()];
        if (!slot) {
            sqlite3_stmt* raw = nullptr;
            int const rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
            if (rc != SQLITE_OK) {
                sqlite3_finalize(raw);
                cache_.erase(sql.data());
                return error_of(rc);
            }
            slot.reset(raw);
        }
        return statement{slot.get()};
    }

    // Runs a statement that returns no rows we need.
    result<void> run(std::string_view sql)
    {
        auto st = prepare(sql);
        if (!st)
            return st.error();
        return st->run();
    }

    // Runs a script of several statements, uncached (migrations, pragmas with values).
    result<void> run_script(const std::string& sql)
    {
        int const rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK)
            return error_of(rc);
        return {};
    }

    sqlite3* handle() const noexcept { return db_.get(); }
    std::int64_t changes() const noexcept { return sqlite3_changes64(db_.get()); }
    bool in_transaction() const noexcept { return sqlite3_get_autocommit(db_.get()) == 0; }

private:
    explicit connection(database_ptr db) noexcept : db_(std::move(db)) {}


    database_ptr db_;
    std::unordered_map<char const*, statement_ptr> cache_;  // destroyed first: statements before the handle
};

namespace {
using detail::connection;

// ---- transactions

constexpr std::string_view begin_immediate_sql = "BEGIN IMMEDIATE";
constexpr std::string_view commit_sql = "COMMIT";
constexpr std::string_view rollback_sql = "ROLLBACK";

// A write transaction that rolls back unless committed. BEGIN IMMEDIATE takes the
// write lock up front, so a busy database fails here (after the busy timeout), not
// half-way through.
class transaction {
public:
    static result<transaction> begin(connection& db)
    {
        if (auto begun = db.run(begin_immediate_sql); !begun)
            return begun.error();
        return transaction{db};
    }

    transaction(transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    transaction& operator=(transaction&&) = delete;
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction() { rollback(); }

    result<void> commit()
    {
        auto done = db_->run(commit_sql);
        if (done)
            db_ = nullptr;
        return done;  // on failure the destructor rolls back
    }

private:
    explicit transaction(connection& db) noexcept : db_(&db) {}

    void rollback() noexcept
    {
        // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR…).
        if (db_ && db_->in_transaction())
            (void)db_->run(rollback_sql);
        db_ = nullptr;
    }

    connection* db_;
};

// The statements of one savepoint name; each text has static storage (the statement cache's key).
struct savepoint_sql {
    std::string_view begin;
    std::string_view release;
    std::string_view rollback_to;
};
constexpr std::string_view batch_item_sql = "SAVEPOINT batch_item";
constexpr std::string_view batch_item_release_sql = "RELEASE batch_item";
constexpr std::string_view batch_item_rollback_sql = "ROLLBACK TO batch_item";
// An item of commit_batch().
constexpr savepoint_sql batch_item{batch_item_sql, batch_item_release_sql, batch_item_rollback_sql};
constexpr std::string_view group_item_sql = "SAVEPOINT group_item";
constexpr std::string_view group_item_release_sql = "RELEASE group_item";
constexpr std::string_view group_item_rollback_sql = "ROLLBACK TO group_item";
// One caller's write in a group commit (an item of commit_batch() nests inside it).
constexpr savepoint_sql group_item{group_item_sql, group_item_release_sql, group_item_rollback_sql};

// One item inside a transaction: released on success, rolled back to its start
// otherwise, leaving the enclosing transaction open.
class savepoint {
public:
    static result<savepoint> begin(connection& db, const savepoint_sql& sql)
    {
        if (auto begun = db.run(sql.begin); !begun)
            return begun.error();
        return savepoint{db, sql};
    }

    savepoint(savepoint&& other) noexcept : db_(std::exchange(other.db_, nullptr)), sql_(other.sql_) {}
    savepoint& operator=(savepoint&&) = delete;
    savepoint(const savepoint&) = delete;
    savepoint& operator=(const savepoint&) = delete;
    ~savepoint() { (void)rollback(); }

    result<void> release()
    {
        auto done = db_->run(sql_.release);
        if (done)
            db_ = nullptr;
        return done;
    }

    result<void> rollback()
    {
        if (!db_ || !db_->in_transaction()) {
            db_ = nullptr;
            return {};
        }
        auto* db = std::exchange(db_, nullptr);
        if (auto undone = db->run(sql_.rollback_to); !undone)
            return undone;
        return db->run(sql_.release);
    }

private:
    savepoint(connection& db, const savepoint_sql& sql) noexcept : db_(&db), sql_(sql) {}

    connection* db_;
    savepoint_sql sql_;
};

// ---- migrations

constexpr std::string_view user_version_sql = "PRAGMA user_version";
constexpr std::string_view journal_mode_wal_sql = "PRAGMA journal_mode = WAL";
constexpr std::string_view journal_size_limit_sql = "PRAGMA journal_size_limit = 67108864";   // 64 MiB
constexpr std::string_view synchronous_normal_sql = "PRAGMA synchronous = NORMAL";
constexpr std::string_view synchronous_full_sql = "PRAGMA synchronous = FULL";
constexpr std::string_view foreign_keys_on_sql = "PRAGMA foreign_keys = ON";
constexpr std::string_view temp_store_memory_sql = "PRAGMA temp_store = MEMORY";
constexpr std::string_view foreign_keys_off_sql = "PRAGMA foreign_keys = OFF";
constexpr std::string_view foreign_key_check_sql = "PRAGMA foreign_key_check";
constexpr std::string_view query_only_sql = "PRAGMA query_only = 1";

int latest_version() noexcept
{
    auto const all = detail::migrations();
    return all.empty() ? 0 : all.back().version;
}

result<int> user_version(connection& db)
{
    auto st = db.prepare(user_version_sql);
    if (!st)
        return st.error();
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return errc::storage_failed;
    return st->small_integer(0);
}

// Applies one migration in its own transaction, unless another connection did it first.
result<void> apply(connection& db, const detail::migration& m)
{
    auto tx = transaction::begin(db);
    if (!tx)
        return tx.error();
    auto const current = user_version(db);
    if (!current)
        return current.error();
    if (*current > latest_version())
        return errc::schema_too_new;
    if (*current >= m.version)
        return {};  // another process migrated meanwhile
    if (auto done = db.run_script(std::string{m.sql}); !done)
        return done;
    // Foreign keys are off while migrating (a migration may rebuild a table), so check them here.
    {
        auto check = db.prepare(foreign_key_check_sql);
        if (!check)
            return check.error();
        auto violation = check->step();
        if (!violation)
            return violation.error();
        if (*violation)
            return errc::storage_failed;
    }
    if (auto set = db.run_script("PRAGMA user_version = " + std::to_string(m.version)); !set)
        return set;
    return tx->commit();
}

// Applies the migrations after the database's version, up to `target`; returns the version reached.
result<int> migrate_connection(connection& db, int target)
{
    // PRAGMA foreign_keys is a no-op inside a transaction: switch it outside.
    if (auto off = db.run(foreign_keys_off_sql); !off)
        return off.error();
    for (auto const& m : detail::migrations()) {
        if (m.version > target)
            break;
        if (auto done = apply(db, m); !done)
            return done.error();
    }
    if (auto on = db.run(foreign_keys_on_sql); !on)
        return on.error();
    return user_version(db);
}

bool is_file(const std::string& path) noexcept
{
    return !path.empty() && path != ":memory:";
}

// Opens `path`, refuses a newer schema, sets the pragmas and migrates up to `target`.
result<std::pair<std::unique_ptr<connection>, int>> open_and_migrate(const std::string& path, int target,
                                                                     durability sync = durability::normal)
{
    auto db = connection::open(path);
    if (!db)
        return db.error();
    auto const found = user_version(**db);
    if (!found)
        return found.error();
    if (*found > latest_version())
        return errc::schema_too_new;
    if (is_file(path)) {
        auto mode = (*db)->prepare(journal_mode_wal_sql);
        if (!mode)
            return mode.error();
        auto row = mode->step();
        if (!row)
            return row.error();
        if (!*row || mode->text(0) != "wal")
            return errc::storage_failed;
        // A checkpoint leaves the log file at its largest (a burst, a full disk) unless
        // told to shrink it back to this.
        if (auto set = (*db)->run(journal_size_limit_sql); !set)
            return set.error();
    }
    if (auto set = (*db)->run(sync == durability::full ? synchronous_full_sql : synchronous_normal_sql); !set)
        return set.error();
    // Every write of a group or batch runs under a savepoint, whose undo copies (the
    // sub-journal) would otherwise spill to a temporary file past 64 KiB: a pwrite per
    // page touched, ten times the WAL's own writes under load.
    if (auto set = (*db)->run(temp_store_memory_sql); !set)
        return set.error();
    auto reached = migrate_connection(**db, target);
    if (!reached)
        return reached.error();
    return std::pair{std::move(*db), *reached};
}

// ---- enums and mentions as text

std::string_view to_text(open_mode m) noexcept
{
    return m == open_mode::mention_only ? "mention_only" : "every_message";
}

std::string_view to_text(delivery_state s) noexcept
{
    switch (s) {
    case delivery_state::pending: return "pending";
    case delivery_state::delivered: return "delivered";
    case delivery_state::failed: return "failed";
    }
    return "pending";
}

std::optional<delivery_state> parse_delivery_state(std::string_view text) noexcept
{
    for (auto s : {delivery_state::pending, delivery_state::delivered, delivery_state::failed})
        if (to_text(s) == text)
            return s;
    return std::nullopt;
}

void append_json_string(std::string& out, std::string_view text)
{
    constexpr std::string_view hex = "0123456789abcdef";
    out += '"';
    for (char ch : text) {
        auto const byte = static_cast<std::size_t>(static_cast<unsigned char>(ch));
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (byte < 0x20) {
            out += "\\u00";
            out += hex[byte >> 4U];
            out += hex[byte & 0x0fU];
        } else {
            out += ch;
        }
    }
    out += '"';
}

// [{"id":"U1","name":"Ana","group":false}, …]; read back with SQLite's json_each.
std::string encode_mentions(const std::vector<mention>& mentions)
{
    std::string out = "[";
    for (auto const& m : mentions) {
        if (out.size() > 1)
            out += ',';
        out += "{\"id\":";
        append_json_string(out, m.id);
        out += ",\"name\":";
        append_json_string(out, m.name);
        out += m.group ? ",\"group\":true}" : ",\"group\":false}";
    }
    out += ']';
    return out;
}

// Reads back exactly what encode_mentions() writes, without a round trip through
// SQLite (the delivery worker reads hundreds of messages a round); nullopt for
// anything else, which decode_mentions() leaves to SQLite's JSON parser.
std::optional<std::vector<mention>> parse_own_mentions(std::string_view json)
{
    std::size_t at = 0;
    auto eat = [&](std::string_view literal) {
        if (json.substr(at, literal.size()) != literal)
            return false;
        at += literal.size();
        return true;
    };
    auto hex_digit = [](char ch) -> int {
        if (ch >= '0' && ch <= '9')
            return ch - '0';
        if (ch >= 'a' && ch <= 'f')
            return ch - 'a' + 10;
        return -1;
    };
    auto string = [&](std::string& into) {
        if (!eat("\""))
            return false;
        while (at < json.size()) {
            char const ch = json[at++];
            if (ch == '"')
                return true;
            if (ch != '\\') {
                into += ch;
                continue;
            }
            if (at < json.size() && (json[at] == '"' || json[at] == '\\')) {
                into += json[at++];
                continue;
            }
            // \u00XX for a control character; anything else is not ours.
            if (!eat("u00") || at + 2 > json.size())
                return false;
            int const high = hex_digit(json[at]);
            int const low = hex_digit(json[at + 1]);
            if (high < 0 || high > 7 || low < 0)  // above 0x7f a code point is not one byte
                return false;
            into += static_cast<char>(high * 16 + low);
            at += 2;
        }
        return false;
    };
    std::vector<mention> out;
    if (!eat("["))
        return std::nullopt;
    if (eat("]"))
        return at == json.size() ? std::optional{std::move(out)} : std::nullopt;
    for (;;) {
        mention m;
        if (!eat("{\"id\":") || !string(m.id) || !eat(",\"name\":") || !string(m.name) || !eat(",\"group\":"))
            return std::nullopt;
        if (eat("true}"))
            m.group = true;
        else if (!eat("false}"))
            return std::nullopt;
        out.push_back(std::move(m));
        if (eat("]"))
            return at == json.size() ? std::optional{std::move(out)} : std::nullopt;
        if (!eat(","))
            return std::nullopt;
    }
}

constexpr std::string_view decode_mentions_sql =
    "SELECT json_extract(value, '$.id'), json_extract(value, '$.name'), json_extract(value, '$.group') "
    "FROM json_each(?1) ORDER BY key";

result<std::vector<mention>> decode_mentions(connection& db, const std::string& json)
{
    if (auto own = parse_own_mentions(json))
        return std::move(*own);
    std::vector<mention> out;
    auto st = db.prepare(decode_mentions_sql);
    if (!st)
        return st.error();
    st->bind_text(1, json);
    for (;;) {
        auto row = st->step();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        out.push_back(mention{st->text(0), st->text(1), st->boolean(2)});
    }
}

// ---- cases: one column per case_record field, in this order everywhere

constexpr std::string_view case_columns =
    "id, customer, origin_platform, origin_channel, origin_thread, card_ref, title, description, "
    "category, severity, state, opened_by, assignee, assignee_name, "
    "created_at, responded_at, updated_at, resolved_at, closed_at, paused_at, paused_business, "
    "initial_anchor, initial_due, initial_reminded, initial_breached, initial_pings, initial_escalated, "
    "status_anchor, status_due, status_reminded, status_breached, status_pings, status_escalated, "
    "request_severity, request_by, request_reason, request_at, next_alarm_at, declined_while_waiting, version";
constexpr int case_column_count = 40;

constexpr std::string_view select_head = "SELECT ";
constexpr std::string_view from_cases = " FROM cases ";
constexpr std::string_view select_cases = join_sql<select_head, case_columns, from_cases>;

// Binds the case as parameters ?1 … ?40 in case_columns order, with `version` last.
void bind_case(statement& st, const case_record& c, std::int64_t version)
{
    auto bind_clock = [&](int first, const sla_clock& k) {
        st.bind_time(first, k.anchor);
        st.bind_time(first + 1, k.due);
        st.bind_bool(first + 2, k.reminded);
        st.bind_bool(first + 3, k.breached);
        st.bind_int(first + 4, k.pings);
        st.bind_bool(first + 5, k.escalated);
    };
    st.bind_int(1, c.id);
    st.bind_text(2, c.customer);
    st.bind_text(3, to_string(c.origin.where));
    st.bind_text(4, c.origin.channel);
    st.bind_text(5, c.origin.thread);
    st.bind_text(6, c.card_ref);
    st.bind_text(7, c.title);
    st.bind_text(8, c.description);
    st.bind_text(9, to_string(c.kind));
    st.bind_text(10, to_string(c.level));
    st.bind_text(11, to_string(c.state));
    st.bind_text(12, c.opened_by);
    st.bind_text(13, c.assignee);
    st.bind_text(14, c.assignee_name);
    st.bind_time(15, c.created_at);
    st.bind_time(16, c.responded_at);
    st.bind_time(17, c.updated_at);
    st.bind_time(18, c.resolved_at);
    st.bind_time(19, c.closed_at);
    st.bind_time(20, c.paused_at);
    st.bind_int(21, c.paused_business.count());
    bind_clock(22, c.initial);
    bind_clock(28, c.status);
    if (auto const& r = c.pending_request) {
        st.bind_text(34, to_string(r->level));
        st.bind_text(35, r->requested_by);
        st.bind_text(36, r->reason);
        st.bind_time(37, r->at);
    } else {
        for (int i = 34; i <= 37; ++i)
            st.bind_null(i);
    }
    st.bind_time(38, c.next_alarm_at);
    st.bind_bool(39, c.declined_while_waiting);
    st.bind_int(case_column_count, version);
}

// Reads a row of select_cases.
result<case_record> read_case(const statement& st)
{
    auto read_clock = [&](int first) {
        sla_clock k;
        k.anchor = st.optional_time(first);
        k.due = st.optional_time(first + 1);
        k.reminded = st.boolean(first + 2);
        k.breached = st.boolean(first + 3);
        k.pings = st.small_integer(first + 4);
        k.escalated = st.boolean(first + 5);
        return k;
    };
    case_record c;
    c.id = st.integer(0);
    c.customer = st.text(1);
    auto const where = parse_platform(st.text(2));
    c.origin.channel = st.text(3);
    c.origin.thread = st.text(4);
    c.card_ref = st.text(5);
    c.title = st.text(6);
    c.description = st.text(7);
    auto const kind = parse_category(st.text(8));
    auto const level = parse_severity(st.text(9));
    auto const state = parse_case_state(st.text(10));
    if (!where || !kind || !level || !state)
        return errc::storage_failed;  // a value no casebot writes
    c.origin.where = *where;
    c.kind = *kind;
    c.level = *level;
    c.state = *state;
    c.opened_by = st.text(11);
    c.assignee = st.text(12);
    c.assignee_name = st.text(13);
    c.created_at = st.time(14);
    c.responded_at = st.optional_time(15);
    c.updated_at = st.optional_time(16);
    c.resolved_at = st.optional_time(17);
    c.closed_at = st.optional_time(18);
    c.paused_at = st.optional_time(19);
    c.paused_business = std::chrono::seconds{st.integer(20)};
    c.initial = read_clock(21);
    c.status = read_clock(27);
    if (!st.is_null(33)) {
        auto const requested = parse_severity(st.text(33));
        if (!requested)
            return errc::storage_failed;
        c.pending_request = severity_request{*requested, st.text(34), st.text(35), st.time(36)};
    }
    c.next_alarm_at = st.optional_time(37);
    c.declined_while_waiting = st.boolean(38);
    c.version = st.integer(39);
    return c;
}

// Collects every row of a bound select_cases statement.
result<std::vector<case_record>> read_cases(statement& st)
{
    std::vector<case_record> out;
    for (;;) {
        auto row = st.step();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        auto c = read_case(st);
        if (!c)
            return c.error();
        out.push_back(std::move(*c));
    }
}

result<std::optional<case_record>> read_one_case(statement& st)
{
    auto row = st.step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<case_record>{};
    auto c = read_case(st);
    if (!c)
        return c.error();
    return std::optional<case_record>{std::move(*c)};
}

// ---- outbox rows

constexpr std::string_view select_outbox_columns =
    "SELECT o.id, o.case_id, o.kind, o.platform, o.channel, "
    // A message for the case's thread takes the thread the case knows by now.
    "CASE WHEN o.case_thread = 1 AND c.origin_thread <> '' AND c.origin_platform = o.platform "
    "AND c.origin_channel = o.channel THEN c.origin_thread ELSE o.thread END, "
    "o.case_thread, o.direct, o.text, o.mentions, o.state, o.created_at, o.attempts, o.next_attempt_at, "
    "o.last_error, o.only_for, o.in_doubt_since ";
constexpr std::string_view from_outbox = "FROM outbox AS o LEFT JOIN cases AS c ON c.id = o.case_id ";
constexpr std::string_view select_outbox = join_sql<select_outbox_columns, from_outbox>;

result<outbox_entry> read_outbox_entry(connection& db, const statement& st)
{
    outbox_entry e;
    auto& m = e.message;
    m.id = st.integer(0);
    if (!st.is_null(1))
        m.case_ref = st.integer(1);
    m.kind = st.text(2);
    auto const where = parse_platform(st.text(3));
    auto const state = parse_delivery_state(st.text(10));
    if (!where || !state)
        return errc::storage_failed;
    m.to.where = *where;
    m.to.channel = st.text(4);
    m.to.thread = st.text(5);
    m.to.case_thread = st.boolean(6);
    m.to.direct = st.boolean(7);
    m.text = st.text(8);
    auto mentions = decode_mentions(db, st.text(9));
    if (!mentions)
        return mentions.error();
    m.mentions = std::move(*mentions);
    e.state = *state;
    e.created_at = st.time(11);
    e.attempts = st.small_integer(12);
    e.next_attempt_at = st.time(13);
    e.last_error = st.text(14);
    m.to.only_for = st.text(15);
    if (!st.is_null(16))
        e.in_doubt_since = st.time(16);
    return e;
}

result<std::vector<outbox_entry>> read_outbox(connection& db, statement& st)
{
    std::vector<outbox_entry> out;
    for (;;) {
        auto row = st.step();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        auto e = read_outbox_entry(db, st);
        if (!e)
            return e.error();
        out.push_back(std::move(*e));
    }
}

constexpr std::string_view outbox_exists_sql = "SELECT 1 FROM outbox WHERE id = ?1";

// After an update that changed nothing: fine for a message no longer pending,
// not_found for an id that never existed.
result<void> require_outbox_row(connection& db, std::int64_t id)
{
    auto st = db.prepare(outbox_exists_sql);
    if (!st)
        return st.error();
    st->bind_int(1, id);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return errc::not_found;
    return {};
}

}  // namespace

// ---- opening and migrating

sqlite_store::sqlite_store(std::unique_ptr<connection> db, std::unique_ptr<connection> reader, const bot::clock& clk,
                           int version)
    : db_(std::move(db)), reader_(std::move(reader)), clock_(clk), schema_version_(version)
{
}

namespace {
// The store whose batch this thread is running (run_batch()), if any.
thread_local const sqlite_store* batching_store = nullptr;
}  // namespace

bool sqlite_store::batching() const noexcept
{
    return batching_store == this;
}

sqlite_store::read_handle sqlite_store::read()
{
    if (batching())
        return {std::unique_lock<std::mutex>{}, db_.get()};  // the batch holds mutex_; its writes are visible here
    if (reader_)
        return {std::unique_lock{reader_mutex_}, reader_.get()};
    return {std::unique_lock{mutex_}, db_.get()};  // ":memory:": a second connection would see another database
}

sqlite_store::~sqlite_store()
{
    return_unused_case_ids();
}

result<std::unique_ptr<sqlite_store>> sqlite_store::open(const std::string& path, const bot::clock& clk,
                                                        durability sync)
{
    auto opened = open_and_migrate(path, latest_version(), sync);
    if (!opened)
        return opened.error();
    auto& [db, version] = *opened;
    // In WAL mode a reader sees the last committed state without waiting for a writer:
    // reads get a connection of their own, so they never wait for a group commit.
    std::unique_ptr<connection> reader;
    if (is_file(path)) {
        auto second = connection::open(path);
        if (!second)
            return second.error();
        if (auto ro = (*second)->run(query_only_sql); !ro)
            return ro.error();
        reader = std::move(*second);
    }
    std::unique_ptr<sqlite_store> store{new sqlite_store{std::move(db), std::move(reader), clk, version}};
    if (is_file(path)) {
        auto checkpoints = wal_checkpointer::start(path, store->db_->handle());
        if (!checkpoints)
            return checkpoints.error();
        store->checkpointer_ = std::move(*checkpoints);
    }
    return store;
}

result<int> sqlite_store::migrate(const std::string& path)
{
    return migrate_to(path, latest_version());
}

result<int> sqlite_store::migrate_to(const std::string& path, int version)
{
    auto opened = open_and_migrate(path, std::min(version, latest_version()));
    if (!opened)
        return opened.error();
    return opened->second;
}

int sqlite_store::latest_schema_version() noexcept
{
    return latest_version();
}

// ---- group commit
//
// Writes from several threads share transactions. A writer queues its job; the
// first writer to find no group running becomes the leader, takes every job queued
// so far (its own included) and runs them in one BEGIN IMMEDIATE … COMMIT, each
// under a savepoint of its own; the others wait and are woken with their own
// results once the group has committed. Under load one commit then pays for many
// changes: SQLite's WAL commit writes each page the transaction dirtied, whole,
// and changes that append to the same tables and indexes dirty the same pages.
// A job alone runs in a transaction of its own, exactly as without grouping.
//
// Each job is isolated: one that fails (a conflict, a duplicate event key, a
// constraint) is rolled back to its savepoint and gets its own error while the
// others commit. If the shared transaction itself is lost (SQLite rolls back by
// itself after SQLITE_FULL, SQLITE_IOERR…, or COMMIT fails), no job has been
// answered yet, so every job of the group runs again, in order, in a transaction of
// its own: a job's fate never depends on its neighbours. Only a busy database
// (another process holds the write lock past the busy timeout) is reported to the
// whole group at once, as each job alone would have waited for the same lock.

struct sqlite_store::write_job {
    explicit write_job(write_op o) noexcept : op(o) {}

    write_op op;
    // Pessimistic until the job's transaction commits: if the leader is cut short
    // (an exception), the jobs it did not finish report a failure, never success.
    result<void> outcome = errc::storage_failed;
    // Each waiter sleeps on its own mutex and condition variable, so the leader wakes
    // exactly the threads it answers, and none of them then queues on a shared mutex.
    std::mutex mutex;
    std::condition_variable wake_up;
    bool done = false;  // guarded by mutex
    bool lead = false;  // guarded by mutex: handed the lead, run the next group

    // Sets `flag` and wakes the waiter. Notified under the job's mutex: the waiter
    // cannot return (and destroy the job) before the leader lets go of it.
    void signal(bool write_job::*flag)
    {
        std::lock_guard lock{mutex};
        this->*flag = true;
        wake_up.notify_one();
    }
};

result<void> sqlite_store::write(write_op op)
{
    if (batching())
        return write_in_batch(op);
    write_job job{op};  // lives on this thread's stack until the job is answered
    bool leading = false;
    {
        std::lock_guard lock{queue_mutex_};
        queue_.push_back(&job);
        leading = !std::exchange(writing_, true);
    }
    if (!leading) {
        std::unique_lock lock{job.mutex};
        job.wake_up.wait(lock, [&] { return job.done || job.lead; });
        if (job.done)
            return job.outcome;
    }

    // Lead: run everything queued so far (this job included) as one group, answer
    // it, then hand the lead to the oldest job that queued meanwhile.
    std::vector<write_job*> group;
    {
        std::lock_guard lock{queue_mutex_};
        group.swap(queue_);
    }
    struct finish {  // answers the group and hands on the lead even if run_group throws
        sqlite_store& self;
        const std::vector<write_job*>& group;
        const write_job& leader;
        ~finish()
        {
            for (auto* j : group)
                if (j != &leader)
                    j->signal(&write_job::done);
            std::lock_guard lock{self.queue_mutex_};
            if (self.queue_.empty())
                self.writing_ = false;
            else
                self.queue_.front()->signal(&write_job::lead);
        }
    } answer{*this, group, job};
    std::lock_guard db_lock{mutex_};
    run_group(group);
    return job.outcome;
}

result<void> sqlite_store::run_alone(write_op op)
{
    auto tx = transaction::begin(*db_);
    if (!tx)
        return tx.error();
    if (auto done = op(); !done)
        return done;  // the transaction rolls back
    return tx->commit();
}

void sqlite_store::run_group(std::span<write_job* const> group)
{
    if (group.size() == 1) {
        group.front()->outcome = run_alone(group.front()->op);
        return;
    }
    {
        auto tx = transaction::begin(*db_);
        if (!tx) {
            for (auto* j : group)
                j->outcome = tx.error();
            return;
        }
        std::vector<write_job*> written;  // answered with success once the group commits
        written.reserve(group.size());
        bool lost = false;
        for (auto* j : group) {
            auto item = savepoint::begin(*db_, group_item);
            if (!item) {
                lost = true;
                break;
            }
            if (auto done = j->op(); !done) {
                j->outcome = done;
                if (!db_->in_transaction()) {  // SQLite rolled the whole transaction back
                    lost = true;
                    break;
                }
                if (auto undone = item->rollback(); !undone) {
                    lost = true;
                    break;
                }
                continue;
            }
            if (auto released = item->release(); !released) {
                lost = true;
                break;
            }
            written.push_back(j);
        }
        if (!lost) {
            auto const committed = tx->commit();
            if (committed || committed.error() == errc::storage_busy) {
                for (auto* j : written)
                    j->outcome = committed;
                return;
            }
        }
    }  // the shared transaction rolls back here
    for (auto* j : group)
        j->outcome = run_alone(j->op);
}

// ---- case numbers

// Never below an id already stored, so a case written with a number from elsewhere
// cannot collide with a later allocation. ?1 numbers. One statement: its own short transaction.
constexpr std::string_view reserve_case_ids_sql =
    "UPDATE case_numbers SET last = max(last, coalesce((SELECT max(id) FROM cases), 0)) + ?1 WHERE id = 1 "
    "RETURNING last";
// Gives back the numbers after ?1 if the counter still ends at ?2 (nobody took more since).
constexpr std::string_view return_case_ids_sql = "UPDATE case_numbers SET last = ?1 WHERE id = 1 AND last = ?2";

// Under load many commands open cases at once; a transaction per number would cost
// as much as the cases themselves.
constexpr case_id max_id_block = 64;

// ---- batches
//
// run_batch() is group commit driven by one thread: the caller runs many commands
// back to back in one transaction and answers them once it commits, instead of each
// command's writes waiting for a group. Writes inside it take the same savepoint per
// write as a group does, so each succeeds or fails on its own.

struct sqlite_store::batch_state {
    bool lost = false;            // the transaction is gone or unusable: the batch fails…
    errc failure = errc::storage_failed;   // …and every write since with this
    case_id next_id = 1;          // numbers reserved in the batch's transaction…
    case_id reserved_until = 0;   // …up to here (none left when next_id > reserved_until)
};

result<void> sqlite_store::run_batch(const std::function<void()>& body)
{
    if (batching()) {  // a batch inside the batch: already in its transaction
        body();
        return batch_->lost ? result<void>{errc::storage_failed} : result<void>{};
    }
    struct enter {  // batch mode for this thread, left however body ends (an exception included)
        sqlite_store& self;
        const sqlite_store* outer;   // another store's batch this one runs inside, if any
        enter(sqlite_store& s, batch_state& st) noexcept : self(s), outer(batching_store)
        {
            self.batch_ = &st;
            batching_store = &s;
        }
        ~enter()
        {
            batching_store = outer;
            self.batch_ = nullptr;
        }
    };
    std::lock_guard db_lock{mutex_};
    auto tx = transaction::begin(*db_);
    if (!tx) {
        if (tx.error() != errc::storage_busy)
            return tx.error();
        // Another process held the write lock past the busy timeout. Each write of the
        // body would wait as long again, one after the other; instead each fails at once
        // with storage_busy, as every write of a group commit would, and the body's
        // results (its commands' apologies) stand.
        batch_state refused;
        refused.lost = true;
        refused.failure = errc::storage_busy;
        enter in_batch{*this, refused};
        body();
        return errc::storage_busy;
    }
    batch_state state;
    enter in_batch{*this, state};
    body();
    // From here a failure means the body's writes are lost: never storage_busy, which
    // would tell the caller that its results stand.
    if (state.lost || !db_->in_transaction())
        return errc::storage_failed;  // the transaction rolls back
    if (state.next_id <= state.reserved_until) {  // give back the numbers not handed out
        auto st = db_->prepare(return_case_ids_sql);
        if (!st)
            return errc::storage_failed;
        st->bind_int(1, state.next_id - 1);
        st->bind_int(2, state.reserved_until);
        if (auto back = st->run(); !back)
            return errc::storage_failed;
    }
    if (auto committed = tx->commit(); !committed)
        return errc::storage_failed;
    return {};
}

result<void> sqlite_store::write_in_batch(write_op op)
{
    auto& batch = *batch_;
    if (batch.lost || !db_->in_transaction()) {
        batch.lost = true;
        return batch.failure;
    }
    auto item = savepoint::begin(*db_, group_item);
    if (!item) {
        batch.lost = true;
        return item.error();
    }
    if (auto done = op(); !done) {
        if (!db_->in_transaction() || !item->rollback())
            batch.lost = true;  // SQLite rolled everything back, or the savepoint is stuck
        return done;
    }
    if (auto released = item->release(); !released) {
        batch.lost = true;
        return released.error();
    }
    return {};
}

// ---- case_store


result<case_id> sqlite_store::allocate_case_id()
{
    if (batching()) {
        // The batch's own block, reserved in its transaction: if the batch is lost the
        // reservation is too, and run_batch() gives back what is left before committing.
        auto& batch = *batch_;
        if (batch.next_id > batch.reserved_until) {
            auto last = reserve_case_ids(max_id_block);
            if (!last)
                return last.error();
            batch.next_id = *last - max_id_block + 1;
            batch.reserved_until = *last;
        }
        return batch.next_id++;
    }
    ++wanting_ids_;
    struct counted {   // leaves the count however this returns (an exception included)
        std::atomic<int>& wanting;
        ~counted() { --wanting; }
    } leave{wanting_ids_};
    std::lock_guard lock{ids_mutex_};
    if (next_id_ > reserved_until_) {
        // Everyone queued behind this thread gets a number from the same block.
        auto const count = std::clamp<case_id>(wanting_ids_.load(), 1, max_id_block);
        auto last = reserve_case_ids(count);
        if (!last)
            return last.error();
        next_id_ = *last - count + 1;
        reserved_until_ = *last;
    }
    return next_id_++;
}

result<case_id> sqlite_store::reserve_case_ids(case_id count)
{
    case_id last = 0;
    auto taken = write([&]() -> result<void> {
        auto st = db_->prepare(reserve_case_ids_sql);
        if (!st)
            return st.error();
        st->bind_int(1, count);
        auto row = st->step();
        if (!row)
            return row.error();
        if (!*row)
            return errc::storage_failed;  // the counter row is missing
        last = st->integer(0);
        return st->run();  // finishes the statement
    });
    if (!taken)
        return taken.error();
    return last;
}

// A block holds at most as many numbers as threads were waiting for one, so leftovers
// exist only when a thread that counted itself failed before taking its number.
void sqlite_store::return_unused_case_ids() noexcept
{
    std::lock_guard lock{ids_mutex_};
    if (next_id_ > reserved_until_)
        return;
    try {
        (void)write([&]() -> result<void> {
            auto st = db_->prepare(return_case_ids_sql);
            if (!st)
                return st.error();
            st->bind_int(1, next_id_ - 1);
            st->bind_int(2, reserved_until_);
            return st->run();
        });
    } catch (...) {   // out of memory while closing: the numbers stay a gap, nothing worse
    }
    reserved_until_ = next_id_ - 1;
}

constexpr std::string_view where_id = "WHERE id = ?1";
constexpr std::string_view find_sql = join_sql<select_cases, where_id>;

result<std::optional<case_record>> sqlite_store::find(case_id id)
{
    auto const r = read();
    auto st = r.db->prepare(find_sql);
    if (!st)
        return st.error();
    st->bind_int(1, id);
    return read_one_case(*st);
}

// `origin_thread <> ''` lets SQLite use the partial index cases_by_thread.
constexpr std::string_view where_thread =
    "WHERE origin_platform = ?1 AND origin_channel = ?2 AND origin_thread = ?3 AND origin_thread <> '' "
    "ORDER BY id LIMIT 1";
constexpr std::string_view find_by_thread_sql = join_sql<select_cases, where_thread>;
// `card_ref <> ''` lets SQLite use the partial index cases_by_card.
constexpr std::string_view where_card =
    "WHERE origin_platform = ?1 AND origin_channel = ?2 AND card_ref = ?3 AND card_ref <> '' ORDER BY id LIMIT 1";
constexpr std::string_view find_by_card_sql = join_sql<select_cases, where_card>;

result<std::optional<case_record>> sqlite_store::find_by_thread(platform where, std::string_view channel,
                                                                std::string_view thread)
{
    if (thread.empty())
        return std::optional<case_record>{};
    auto const r = read();
    // Two indexed look-ups rather than one OR, which SQLite could only answer by scanning the channel.
    for (auto sql : {find_by_thread_sql, find_by_card_sql}) {
        auto st = r.db->prepare(sql);
        if (!st)
            return st.error();
        st->bind_text(1, to_string(where));
        st->bind_text(2, channel);
        st->bind_text(3, thread);
        auto found = read_one_case(*st);
        if (!found || *found)
            return found;
    }
    return std::optional<case_record>{};
}

// list(): one statement per scope, with and without a customer, so each can use its
// index. Parameters: ?1 limit, ?2 customer, ?3 actor id.
constexpr std::string_view where_kw = "WHERE ";
constexpr std::string_view customer_filter = "customer = ?2 AND ";
constexpr std::string_view open_filter = "state IN ('open', 'responded', 'waiting')";
// Two look-ups in the partial indexes of migrations 7 and 10 rather than one OR, for which
// SQLite would read every open case. Each index keeps a person's cases in id order,
// so each look-up stops after the first ?1 (of the customer ?2, when there is one):
// the cost follows the page listed, not how many cases the person has. INDEXED BY
// pins the plan: without statistics (casebot never runs ANALYZE) the planner may
// otherwise prefer cases_by_state.
constexpr std::string_view mine_filter =
    "?3 <> '' AND id IN ("
    "SELECT id FROM (SELECT id FROM cases INDEXED BY cases_open_by_assignee "
    "WHERE (state = 'open' OR state = 'responded' OR state = 'waiting') AND assignee <> '' AND assignee = ?3 "
    "AND (?2 IS NULL OR customer = ?2) "
    "ORDER BY id LIMIT ?1) UNION ALL "
    "SELECT id FROM (SELECT id FROM cases INDEXED BY cases_open_by_opener "
    "WHERE (state = 'open' OR state = 'responded' OR state = 'waiting') AND opened_by = ?3 AND (?2 IS NULL OR customer = ?2) "
    "ORDER BY id LIMIT ?1))";
// Its terms are those of the partial index cases_breached, word for word; like
// mine_filter it applies the customer (?2) itself, inside the look-up, so the outer
// query never reads a customer's every case.
constexpr std::string_view breached_filter =
    "id IN (SELECT id FROM cases INDEXED BY cases_breached WHERE "
    "((state = 'open' AND initial_breached = 1) OR (state = 'responded' AND status_breached = 1)) "
    "AND (?2 IS NULL OR customer = ?2))";
constexpr std::string_view waiting_filter = "state = 'waiting'";
constexpr std::string_view all_filter = "1";
constexpr std::string_view by_id_limit = " ORDER BY id LIMIT ?1";

template <const std::string_view& Filter>
constexpr std::string_view list_sql = join_sql<select_cases, where_kw, Filter, by_id_limit>;
template <const std::string_view& Filter>
constexpr std::string_view list_customer_sql = join_sql<select_cases, where_kw, customer_filter, Filter, by_id_limit>;

// EXPLAIN QUERY PLAN of a statement, as a constant of its own (prepare() caches by address).
constexpr std::string_view explain_kw = "EXPLAIN QUERY PLAN ";
template <const std::string_view& Sql>
constexpr std::string_view explained_sql = join_sql<explain_kw, Sql>;

template <const std::string_view& Filter>
std::string_view list_statement_for(bool by_customer, bool explain) noexcept
{
    if (explain)
        return by_customer ? explained_sql<list_customer_sql<Filter>> : explained_sql<list_sql<Filter>>;
    return by_customer ? list_customer_sql<Filter> : list_sql<Filter>;
}

std::string_view list_statement(list_scope scope, bool by_customer, bool explain = false) noexcept
{
    switch (scope) {
    case list_scope::open: return list_statement_for<open_filter>(by_customer, explain);
    // These two filters apply the customer themselves, inside their look-ups.
    case list_scope::mine: return list_statement_for<mine_filter>(false, explain);
    case list_scope::breached: return list_statement_for<breached_filter>(false, explain);
    case list_scope::waiting: return list_statement_for<waiting_filter>(by_customer, explain);
    case list_scope::all: return list_statement_for<all_filter>(by_customer, explain);
    }
    return list_statement_for<open_filter>(by_customer, explain);
}

void bind_list(statement& st, const case_query& q)
{
    st.bind_int(1, to_limit(q.limit));
    if (q.customer)
        st.bind_text(2, *q.customer);
    if (q.scope == list_scope::mine)
        st.bind_text(3, q.actor_id);
}

result<std::vector<case_record>> sqlite_store::list(const case_query& q)
{
    auto const r = read();
    auto st = r.db->prepare(list_statement(q.scope, q.customer.has_value()));
    if (!st)
        return st.error();
    bind_list(*st, q);
    return read_cases(*st);
}

namespace {
// Appends the steps of an EXPLAIN QUERY PLAN statement to `plan`, one per line.
result<void> append_plan(statement& st, std::string& plan)
{
    for (;;) {
        auto row = st.step();
        if (!row)
            return row.error();
        if (!*row)
            return {};
        plan += st.text(3);
        plan += '\n';
    }
}
}  // namespace

result<std::string> sqlite_store::list_plan(const case_query& q)
{
    auto const r = read();
    auto st = r.db->prepare(list_statement(q.scope, q.customer.has_value(), true));
    if (!st)
        return st.error();
    bind_list(*st, q);
    std::string plan;
    if (auto done = append_plan(*st, plan); !done)
        return done.error();
    return plan;
}

result<std::string> sqlite_store::find_by_thread_plan()
{
    auto const r = read();
    std::string plan;
    for (auto sql : {explained_sql<find_by_thread_sql>, explained_sql<find_by_card_sql>}) {
        auto st = r.db->prepare(sql);
        if (!st)
            return st.error();
        st->bind_text(1, "slack");
        st->bind_text(2, "C1");
        st->bind_text(3, "1.2");
        if (auto done = append_plan(*st, plan); !done)
            return done.error();
    }
    return plan;
}

constexpr std::string_view history_sql =
    "SELECT case_id, at, actor, what, detail FROM case_events WHERE case_id = ?1 ORDER BY seq";

result<std::vector<case_event>> sqlite_store::history(case_id id)
{
    auto const r = read();
    auto st = r.db->prepare(history_sql);
    if (!st)
        return st.error();
    st->bind_int(1, id);
    std::vector<case_event> out;
    for (;;) {
        auto row = st->step();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        out.push_back(case_event{st->integer(0), st->time(1), st->text(2), st->text(3), st->text(4)});
    }
}

constexpr std::string_view insert_case_head = "INSERT INTO cases (";
constexpr std::string_view insert_case_tail =
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
    "?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40) "
    "ON CONFLICT (id) DO NOTHING";
constexpr std::string_view insert_case_sql = join_sql<insert_case_head, case_columns, insert_case_tail>;

// An update writes an indexed column only when its value changes: SQLite rewrites an
// index entry for every column in the SET list (and every partial index whose WHERE
// names one), changed or not, and a scheduler pass changes little more than
// next_alarm_at. One statement per combination of changed
// indexed columns, built at compile time. Parameters as bind_case(), ?41 the expected
// version. The origin thread and card_ref are learned at delivery: an update that
// carries them empty keeps the stored ones.
enum update_part : unsigned {
    set_alarm = 1U,     // cases_by_next_alarm
    set_state = 2U,     // cases_by_state, cases_by_customer_state
    set_customer = 4U,  // cases_by_customer_state
    set_origin = 8U,    // cases_by_thread, cases_by_card
    set_card = 16U,     // cases_by_card
    set_people = 32U,   // cases_open_by_assignee, cases_open_by_opener
    set_breach = 64U,   // cases_breached
    all_update_parts = 128U,
};
constexpr std::string_view update_head =
    "UPDATE cases SET title = ?7, description = ?8, category = ?9, severity = ?10, "
    "assignee_name = ?14, created_at = ?15, responded_at = ?16, updated_at = ?17, "
    "resolved_at = ?18, closed_at = ?19, paused_at = ?20, paused_business = ?21, "
    "initial_anchor = ?22, initial_due = ?23, initial_reminded = ?24, "
    "initial_pings = ?26, initial_escalated = ?27, "
    "status_anchor = ?28, status_due = ?29, status_reminded = ?30, "
    "status_pings = ?32, status_escalated = ?33, "
    "request_severity = ?34, request_by = ?35, request_reason = ?36, request_at = ?37, declined_while_waiting = ?39, version = ?40";
constexpr std::string_view set_alarm_sql = ", next_alarm_at = ?38";
constexpr std::string_view set_state_sql = ", state = ?11";
constexpr std::string_view set_customer_sql = ", customer = ?2";
constexpr std::string_view set_origin_sql =
    ", origin_platform = ?3, origin_channel = ?4, origin_thread = coalesce(nullif(?5, ''), origin_thread)";
constexpr std::string_view set_card_sql = ", card_ref = coalesce(nullif(?6, ''), card_ref)";
constexpr std::string_view set_people_sql = ", opened_by = ?12, assignee = ?13";
constexpr std::string_view set_breach_sql = ", initial_breached = ?25, status_breached = ?31";
constexpr std::string_view set_nothing = "";
constexpr std::string_view update_where = " WHERE id = ?1 AND version = ?41";

template <unsigned Parts>
constexpr std::string_view update_case_sql =
    join_sql<update_head, (Parts & set_alarm) ? set_alarm_sql : set_nothing,
             (Parts & set_state) ? set_state_sql : set_nothing, (Parts & set_customer) ? set_customer_sql : set_nothing,
             (Parts & set_origin) ? set_origin_sql : set_nothing, (Parts & set_card) ? set_card_sql : set_nothing,
             (Parts & set_people) ? set_people_sql : set_nothing, (Parts & set_breach) ? set_breach_sql : set_nothing,
             update_where>;

template <std::size_t... Parts>
constexpr auto make_update_statements(std::index_sequence<Parts...>) noexcept
{
    return std::array<std::string_view, sizeof...(Parts)>{update_case_sql<Parts>...};
}
constexpr auto update_case_statements = make_update_statements(std::make_index_sequence<all_update_parts>{});

// What an update must rewrite: the stored indexed columns, read in the write transaction.
constexpr std::string_view stored_keys_sql =
    "SELECT version, next_alarm_at, state, customer, origin_platform, origin_channel, origin_thread, card_ref, "
    "opened_by, assignee, initial_breached, status_breached FROM cases WHERE id = ?1";

constexpr std::string_view insert_event_sql =
    "INSERT INTO case_events (case_id, at, actor, what, detail) VALUES (?1, ?2, ?3, ?4, ?5)";

constexpr std::string_view insert_message_sql =
    "INSERT INTO outbox (case_id, kind, platform, channel, thread, case_thread, direct, text, mentions, state, "
    "created_at, attempts, next_attempt_at, only_for) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10, 0, ?10, ?11)";

constexpr std::string_view record_event_sql =
    "INSERT INTO processed_events (key, seen_at) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING";

// Enqueues messages inside the caller's transaction, stamped `created`.
result<void> sqlite_store::insert_messages(std::span<const outbound_message> messages, wall_time created)
{
    for (auto const& m : messages) {
        auto st = db_->prepare(insert_message_sql);
        if (!st)
            return st.error();
        std::string const mentions = encode_mentions(m.mentions);  // outlives the step
        if (m.case_ref)
            st->bind_int(1, *m.case_ref);
        else
            st->bind_null(1);
        st->bind_text(2, m.kind);
        st->bind_text(3, to_string(m.to.where));
        st->bind_text(4, m.to.channel);
        st->bind_text(5, m.to.thread);
        st->bind_bool(6, m.to.case_thread);
        st->bind_bool(7, m.to.direct);
        st->bind_text(8, m.text);
        st->bind_text(9, mentions);
        st->bind_time(10, created);
        st->bind_text(11, m.to.only_for);
        if (auto done = st->run(); !done)
            return done;
    }
    return {};
}

result<void> sqlite_store::enqueue(std::span<const outbound_message> messages, std::string_view dedupe_key)
{
    return write([&]() -> result<void> {
        auto const now = clock_.now();
        if (!dedupe_key.empty()) {
            auto st = db_->prepare(record_event_sql);
            if (!st)
                return st.error();
            st->bind_text(1, dedupe_key);
            st->bind_time(2, now);
            if (auto done = st->run(); !done)
                return done;
            if (db_->changes() == 0)
                return errc::duplicate;
        }
        return insert_messages(messages, now);
    });
}

// Writes one change inside the caller's transaction; errc::conflict before writing anything.
result<void> sqlite_store::commit_one(const stored_change& change)
{
    auto const& c = change.after;
    bool const insert = change.expected_version == 0;
    // A retried platform event: its key was written with the change it caused.
    if (!change.dedupe_key.empty()) {
        auto st = db_->prepare(record_event_sql);
        if (!st)
            return st.error();
        st->bind_text(1, change.dedupe_key);
        st->bind_time(2, c.created_at);
        if (auto done = st->run(); !done)
            return done;
        if (db_->changes() == 0)
            return errc::duplicate;
    }
    unsigned parts = 0;
    if (!insert) {
        auto st = db_->prepare(stored_keys_sql);
        if (!st)
            return st.error();
        st->bind_int(1, c.id);
        auto row = st->step();
        if (!row)
            return row.error();
        if (!*row || st->integer(0) != change.expected_version)
            return errc::conflict;
        auto const alarm = st->optional_time(1);
        auto learned = [&](int col, const std::string& now) { return !now.empty() && now != st->text_view(col); };
        parts = (alarm != c.next_alarm_at ? set_alarm : 0U) |
                (st->text_view(2) != to_string(c.state) ? set_state : 0U) |
                (st->text_view(3) != c.customer ? set_customer : 0U) |
                (st->text_view(4) != to_string(c.origin.where) || st->text_view(5) != c.origin.channel ||
                         learned(6, c.origin.thread)
                     ? set_origin
                     : 0U) |
                (learned(7, c.card_ref) ? set_card : 0U) |
                (st->text_view(8) != c.opened_by || st->text_view(9) != c.assignee ? set_people : 0U) |
                ((st->integer(10) != 0) != c.initial.breached || (st->integer(11) != 0) != c.status.breached
                     ? set_breach
                     : 0U);
    }
    {
        auto st = db_->prepare(insert ? insert_case_sql : update_case_statements[parts]);
        if (!st)
            return st.error();
        bind_case(*st, c, change.expected_version + 1);
        if (!insert)
            st->bind_int(case_column_count + 1, change.expected_version);
        if (auto done = st->run(); !done)
            return done;
        if (db_->changes() == 0)
            return errc::conflict;
    }
    for (auto const& e : change.events) {
        auto st = db_->prepare(insert_event_sql);
        if (!st)
            return st.error();
        st->bind_int(1, c.id);
        st->bind_time(2, e.at);
        st->bind_text(3, e.actor);
        st->bind_text(4, e.what);
        st->bind_text(5, e.detail);
        if (auto done = st->run(); !done)
            return done;
    }
    if (change.messages.empty())
        return {};
    // The change happened when its events did; the domain stamped them with its clock.
    auto const latest = std::max_element(change.events.begin(), change.events.end(),
                                         [](auto const& a, auto const& b) { return a.at < b.at; });
    wall_time const created = latest != change.events.end() ? latest->at : clock_.now();
    return insert_messages(change.messages, created);
}

result<void> sqlite_store::commit(const stored_change& change)
{
    return write([&] { return commit_one(change); });
}

result<std::vector<case_id>> sqlite_store::commit_batch(std::span<const stored_change> changes)
{
    std::vector<case_id> conflicted;
    auto done = write([&]() -> result<void> {
        conflicted.clear();
        for (auto const& change : changes) {
            auto item = savepoint::begin(*db_, batch_item);
            if (!item)
                return item.error();
            if (auto one = commit_one(change); !one) {
                if (one.error() != errc::conflict)
                    return one;  // the whole batch rolls back
                if (auto undone = item->rollback(); !undone)
                    return undone;
                conflicted.push_back(change.after.id);
                continue;
            }
            if (auto released = item->release(); !released)
                return released;
        }
        return {};
    });
    if (!done)
        return done.error();
    return conflicted;
}

// Reads the partial index cases_by_next_alarm: `next_alarm_at <= ?` implies NOT NULL.
constexpr std::string_view where_due = "WHERE next_alarm_at <= ?1 ORDER BY next_alarm_at, id LIMIT ?2";
constexpr std::string_view due_cases_sql = join_sql<select_cases, where_due>;

result<std::vector<case_record>> sqlite_store::due_cases(wall_time now, std::size_t limit)
{
    auto const r = read();
    auto st = r.db->prepare(due_cases_sql);
    if (!st)
        return st.error();
    st->bind_time(1, now);
    st->bind_int(2, to_limit(limit));
    return read_cases(*st);
}

constexpr std::string_view contacts_sql =
    "SELECT customer_id, address, name, added_by, added_at FROM contacts WHERE customer_id = ?1 ORDER BY rowid";

result<std::vector<contact>> sqlite_store::contacts(std::string_view customer)
{
    auto const r = read();
    auto st = r.db->prepare(contacts_sql);
    if (!st)
        return st.error();
    st->bind_text(1, customer);
    std::vector<contact> out;
    for (;;) {
        auto row = st->step();
        if (!row)
            return row.error();
        if (!*row)
            return out;
        out.push_back(contact{st->text(0), st->text(1), st->text(2), st->text(3), st->time(4)});
    }
}

constexpr std::string_view add_contact_sql =
    "INSERT INTO contacts (customer_id, address, name, added_by, added_at) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (customer_id, address) DO NOTHING";

result<bool> sqlite_store::add_contact(const contact& c)
{
    bool added = false;
    auto done = write([&]() -> result<void> {
        auto st = db_->prepare(add_contact_sql);
        if (!st)
            return st.error();
        st->bind_text(1, c.customer);
        st->bind_text(2, c.address);
        st->bind_text(3, c.name);
        st->bind_text(4, c.added_by);
        st->bind_time(5, c.added_at);
        if (auto ran = st->run(); !ran)
            return ran;
        added = db_->changes() > 0;
        return {};
    });
    if (!done)
        return failure(done.error());
    return added;
}

constexpr std::string_view remove_contact_sql = "DELETE FROM contacts WHERE customer_id = ?1 AND address = ?2";

result<bool> sqlite_store::remove_contact(std::string_view customer, std::string_view address)
{
    bool removed = false;
    auto done = write([&]() -> result<void> {
        auto st = db_->prepare(remove_contact_sql);
        if (!st)
            return st.error();
        st->bind_text(1, customer);
        st->bind_text(2, address);
        if (auto ran = st->run(); !ran)
            return ran;
        removed = db_->changes() > 0;
        return {};
    });
    if (!done)
        return failure(done.error());
    return removed;
}

// ---- outbox

// channel_heads(): a skip-scan of outbox_pending_by_channel, one seek per channel,
// then each channel's first rows through the same index. The next channel is sought
// as "same platform, later channel", then "later platform": SQLite seeks those two
// forms, but walks every row of the current channel for the row value
// `(platform, channel) > (?1, ?2)` (25 ms a round with 100,000 messages queued).
constexpr std::string_view next_channel_same_platform_sql =
    "SELECT platform, channel FROM outbox INDEXED BY outbox_pending_by_channel "
    "WHERE state = 'pending' AND platform = ?1 AND channel > ?2 ORDER BY platform, channel LIMIT 1";
constexpr std::string_view next_channel_later_platform_sql =
    "SELECT platform, channel FROM outbox INDEXED BY outbox_pending_by_channel "
    "WHERE state = 'pending' AND platform > ?1 ORDER BY platform, channel LIMIT 1";
constexpr std::string_view where_channel_head =
    "WHERE o.state = 'pending' AND o.platform = ?1 AND o.channel = ?2 ORDER BY o.id LIMIT ?3";
// Pinned to the channel index, which holds the pending messages only: without
// statistics the planner could otherwise read the whole outbox (delivered messages
// included) to find one channel's head.
constexpr std::string_view from_outbox_by_channel =
    "FROM outbox AS o INDEXED BY outbox_pending_by_channel LEFT JOIN cases AS c ON c.id = o.case_id ";
constexpr std::string_view channel_head_sql =
    join_sql<select_outbox_columns, from_outbox_by_channel, where_channel_head>;
// `casebot outbox`: the first pending messages in id order (an operator's listing).
// The ids are picked from the pending index alone, then only those rows are read.
constexpr std::string_view where_ready =
    "WHERE o.id IN (SELECT id FROM outbox INDEXED BY outbox_pending_by_channel "
    "WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2) ORDER BY o.id";
constexpr std::string_view pending_sql = join_sql<select_outbox, where_ready>;

result<std::vector<outbox_entry>> sqlite_store::pending(wall_time ready_by, std::size_t limit)
{
    auto const r = read();
    auto st = r.db->prepare(pending_sql);
    if (!st)
        return st.error();
    st->bind_time(1, ready_by);
    st->bind_int(2, to_limit(limit));
    return read_outbox(*r.db, *st);
}

namespace {
// The (platform, channel) after the given one among pending messages, if any.
result<std::optional<std::pair<std::string, std::string>>> next_pending_channel(
    detail::connection& db, const std::string& platform_text, const std::string& channel)
{
    for (auto sql : {next_channel_same_platform_sql, next_channel_later_platform_sql}) {
        auto next = db.prepare(sql);
        if (!next)
            return next.error();
        next->bind_text(1, platform_text);
        if (sql == next_channel_same_platform_sql)
            next->bind_text(2, channel);
        auto row = next->step();
        if (!row)
            return row.error();
        if (!*row)
            continue;
        // Copied before the statement finishes: its parameters point into the caller's strings.
        auto found = std::make_pair(next->text(0), next->text(1));
        if (auto done = next->run(); !done)   // finishes the statement
            return done.error();
        return std::optional{std::move(found)};
    }
    return std::optional<std::pair<std::string, std::string>>{};
}
}  // namespace

result<std::vector<outbox_entry>> sqlite_store::channel_heads(std::size_t per_channel)
{
    auto const r = read();
    std::vector<outbox_entry> heads;
    std::string platform_text, channel;
    for (;;) {
        auto next = next_pending_channel(*r.db, platform_text, channel);
        if (!next)
            return next.error();
        if (!*next)
            break;
        platform_text = std::move((*next)->first);
        channel = std::move((*next)->second);
        auto st = r.db->prepare(channel_head_sql);
        if (!st)
            return st.error();
        st->bind_text(1, platform_text);
        st->bind_text(2, channel);
        st->bind_int(3, to_limit(per_channel));
        auto head = read_outbox(*r.db, *st);
        if (!head)
            return head.error();
        std::move(head->begin(), head->end(), std::back_inserter(heads));
    }
    // Oldest first across channels; each channel's messages stay in their order.
    std::sort(heads.begin(), heads.end(),
              [](auto const& a, auto const& b) { return a.message.id < b.message.id; });
    return heads;
}

constexpr std::string_view mark_delivered_sql =
    "UPDATE outbox SET state = 'delivered', delivered_at = ?2, platform_ref = ?3, in_doubt_since = NULL "
    "WHERE id = ?1 AND state = 'pending' RETURNING case_id, kind, case_thread";

// ?1 case id, ?2 the card's platform id, ?3 whether the card was posted as the case's thread root.
constexpr std::string_view card_delivered_sql =
    "UPDATE cases SET "
    "origin_thread = CASE WHEN ?3 = 1 AND origin_thread = '' THEN ?2 ELSE origin_thread END, "
    "card_ref = CASE WHEN (?3 = 1 AND origin_thread = '') OR (origin_thread <> '' AND card_ref = '') "
    "THEN ?2 ELSE card_ref END "
    "WHERE id = ?1 AND ?2 <> ''";

// ?1 case id, ?2 the new card's platform id. The case keeps its thread, even when the
// card that went was the thread's root (Slack keeps a thread whose root was deleted,
// and people go on writing there); replies under the new card find the case by its
// card (find_by_thread).
constexpr std::string_view card_reposted_sql =
    "UPDATE cases SET origin_thread = CASE WHEN origin_thread = '' THEN ?2 ELSE origin_thread END, "
    "card_ref = ?2 WHERE id = ?1 AND ?2 <> ''";

result<void> sqlite_store::delivered(std::int64_t id, wall_time at, std::string_view platform_ref)
{
    return mark_delivered(id, at, platform_ref, false);
}

result<void> sqlite_store::delivered_as_new_card(std::int64_t id, wall_time at, std::string_view platform_ref)
{
    return mark_delivered(id, at, platform_ref, true);
}

result<void> sqlite_store::mark_delivered(std::int64_t id, wall_time at, std::string_view platform_ref,
                                          bool new_card)
{
    return write([&]() -> result<void> {
        std::optional<case_id> card_of;
        std::optional<case_id> reposted;
        bool thread_root = false;
        {
            auto st = db_->prepare(mark_delivered_sql);
            if (!st)
                return st.error();
            st->bind_int(1, id);
            st->bind_time(2, at);
            st->bind_text(3, platform_ref);
            auto row = st->step();
            if (!row)
                return row.error();
            if (!*row)  // delivered, failed or unknown: a repeated call changes nothing
                return require_outbox_row(*db_, id);
            if (!st->is_null(0) && st->text(1) == "case_card") {
                card_of = st->integer(0);
                thread_root = st->boolean(2);
            }
            if (!st->is_null(0) && new_card && st->text(1) == "card_update")
                reposted = st->integer(0);
            if (auto done = st->run(); !done)
                return done;
        }
        if (reposted) {
            auto st = db_->prepare(card_reposted_sql);
            if (!st)
                return st.error();
            st->bind_int(1, *reposted);
            st->bind_text(2, platform_ref);
            return st->run();
        }
        if (!card_of)
            return {};
        auto st = db_->prepare(card_delivered_sql);
        if (!st)
            return st.error();
        st->bind_int(1, *card_of);
        st->bind_text(2, platform_ref);
        st->bind_bool(3, thread_root);
        return st->run();
    });
}

constexpr std::string_view attempting_sql =
    "UPDATE outbox SET in_doubt_since = ?2 WHERE id = ?1 AND state = 'pending'";

result<void> sqlite_store::attempting(std::int64_t id, wall_time at)
{
    return write([&]() -> result<void> {
        auto st = db_->prepare(attempting_sql);
        if (!st)
            return st.error();
        st->bind_int(1, id);
        st->bind_time(2, at);
        if (auto done = st->run(); !done)
            return done;
        if (db_->changes() == 0)
            return require_outbox_row(*db_, id);
        return {};
    });
}

constexpr std::string_view retry_later_sql =
    "UPDATE outbox SET attempts = attempts + ?5, next_attempt_at = ?2, last_error = ?3, "
    "in_doubt_since = CASE WHEN ?4 = 1 THEN in_doubt_since END "
    "WHERE id = ?1 AND state = 'pending'";

result<void> sqlite_store::retry_later(std::int64_t id, wall_time next_attempt, std::string_view error,
                                       bool in_doubt, bool counted)
{
    return write([&]() -> result<void> {
        auto st = db_->prepare(retry_later_sql);
        if (!st)
            return st.error();
        st->bind_int(1, id);
        st->bind_time(2, next_attempt);
        st->bind_text(3, error);
        st->bind_bool(4, in_doubt);
        st->bind_int(5, counted ? 1 : 0);
        if (auto done = st->run(); !done)
            return done;
        if (db_->changes() == 0)
            return require_outbox_row(*db_, id);
        return {};
    });
}

constexpr std::string_view mark_failed_sql =
    "UPDATE outbox SET state = 'failed', attempts = attempts + 1, failed_at = ?2, last_error = ?3, "
    "in_doubt_since = NULL "
    "WHERE id = ?1 AND state = 'pending'";

result<void> sqlite_store::failed(std::int64_t id, wall_time at, std::string_view error)
{
    return write([&]() -> result<void> {
        auto st = db_->prepare(mark_failed_sql);
        if (!st)
            return st.error();
        st->bind_int(1, id);
        st->bind_time(2, at);
        st->bind_text(3, error);
        if (auto done = st->run(); !done)
            return done;
        if (db_->changes() == 0)
            return require_outbox_row(*db_, id);
        return {};
    });
}

// ---- administration and diagnostics

constexpr std::string_view clear_channels_sql = "DELETE FROM channels";
constexpr std::string_view clear_people_sql = "DELETE FROM people";
constexpr std::string_view upsert_customer_sql =
    "INSERT INTO customers (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = excluded.name";
constexpr std::string_view customer_ids_sql = "SELECT id FROM customers";
constexpr std::string_view drop_customer_sql =
    "DELETE FROM customers WHERE id = ?1 "
    "AND NOT EXISTS (SELECT 1 FROM cases WHERE customer = ?1) "
    "AND NOT EXISTS (SELECT 1 FROM contacts WHERE customer_id = ?1)";
constexpr std::string_view insert_channel_sql =
    "INSERT OR REPLACE INTO channels (platform, channel_id, customer_id, opens) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view insert_person_sql =
    "INSERT OR REPLACE INTO people (id, name, role, customer_id, slack_user, teams_user) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

namespace {
result<void> upsert_customers(detail::connection& db, const bot::directory& dir)
{
    for (auto const& c : dir.customers()) {
        auto st = db.prepare(upsert_customer_sql);
        if (!st)
            return st.error();
        st->bind_text(1, c.id);
        st->bind_text(2, c.name);
        if (auto done = st->run(); !done)
            return done;
    }
    return {};
}
}  // namespace

result<void> sqlite_store::add_customers(const bot::directory& dir)
{
    return write([&]() -> result<void> { return upsert_customers(*db_, dir); });
}

result<void> sqlite_store::sync_directory(const bot::directory& dir)
{
    return write([&]() -> result<void> {
        // Channels reference customers: clear them before customers may go.
        for (auto sql : {clear_channels_sql, clear_people_sql})
            if (auto done = db_->run(sql); !done)
                return done;
        if (auto done = upsert_customers(*db_, dir); !done)
            return done;
        std::set<std::string, std::less<>> configured;
        for (auto const& c : dir.customers())
            configured.insert(c.id);
        std::vector<std::string> departed;
        {
            auto st = db_->prepare(customer_ids_sql);
            if (!st)
                return st.error();
            for (;;) {
                auto row = st->step();
                if (!row)
                    return row.error();
                if (!*row)
                    break;
                if (auto id = st->text(0); !configured.contains(id))
                    departed.push_back(std::move(id));
            }
        }
        // A departed customer stays while its cases or contacts reference it.
        for (auto const& id : departed) {
            auto st = db_->prepare(drop_customer_sql);
            if (!st)
                return st.error();
            st->bind_text(1, id);
            if (auto done = st->run(); !done)
                return done;
        }
        for (auto const& ch : dir.channels()) {
            auto st = db_->prepare(insert_channel_sql);
            if (!st)
                return st.error();
            st->bind_text(1, to_string(ch.where));
            st->bind_text(2, ch.channel);
            st->bind_text_or_null(3, ch.customer);
            st->bind_text(4, to_text(ch.opens));
            if (auto done = st->run(); !done)
                return done;
        }
        for (auto const& p : dir.people()) {
            auto st = db_->prepare(insert_person_sql);
            if (!st)
                return st.error();
            st->bind_text(1, p.id);
            st->bind_text(2, p.name);
            st->bind_text(3, to_string(p.who));
            st->bind_text_or_null(4, p.customer);
            st->bind_text_or_null(5, p.slack_user);
            st->bind_text_or_null(6, p.teams_user);
            if (auto done = st->run(); !done)
                return done;
        }
        return {};
    });
}

constexpr std::string_view newest_first = "ORDER BY o.id DESC LIMIT ?1";
constexpr std::string_view recent_outbox_sql = join_sql<select_outbox, newest_first>;

result<std::vector<outbox_entry>> sqlite_store::recent_outbox(std::size_t limit)
{
    auto const r = read();
    auto st = r.db->prepare(recent_outbox_sql);
    if (!st)
        return st.error();
    st->bind_int(1, to_limit(limit));
    return read_outbox(*r.db, *st);
}

constexpr std::string_view only_failed = "WHERE o.state = 'failed' ";
constexpr std::string_view failed_outbox_sql = join_sql<select_outbox, only_failed, newest_first>;

result<std::vector<outbox_entry>> sqlite_store::failed_outbox(std::size_t limit)
{
    auto const r = read();
    auto st = r.db->prepare(failed_outbox_sql);
    if (!st)
        return st.error();
    st->bind_int(1, to_limit(limit));
    return read_outbox(*r.db, *st);
}

constexpr std::string_view requeue_failed_sql =
    "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2, failed_at = NULL, "
    "in_doubt_since = NULL WHERE state = 'failed' AND (?1 IS NULL OR id = ?1)";

result<std::size_t> sqlite_store::requeue_failed(std::optional<std::int64_t> id, wall_time now)
{
    std::size_t changed = 0;
    auto done = write([&]() -> result<void> {
        auto st = db_->prepare(requeue_failed_sql);
        if (!st)
            return st.error();
        if (id)
            st->bind_int(1, *id);
        st->bind_time(2, now);
        if (auto ran = st->run(); !ran)
            return ran;
        changed = static_cast<std::size_t>(db_->changes());
        return {};
    });
    if (!done)
        return done.error();
    return changed;
}

constexpr std::string_view count_open_cases_sql =
    "SELECT count(*) FROM cases WHERE state IN ('open', 'responded', 'waiting')";

result<std::size_t> sqlite_store::count_open_cases()
{
    auto const r = read();
    auto st = r.db->prepare(count_open_cases_sql);
    if (!st)
        return st.error();
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return errc::storage_failed;
    return static_cast<std::size_t>(st->integer(0));
}

}  // namespace bot::store

// ---- chat_memory

namespace bot::store {
namespace {
constexpr std::string_view forget_events_sql = "DELETE FROM processed_events WHERE seen_at < ?1";
constexpr std::string_view remember_message_sql =
    "INSERT INTO seen_messages (platform, channel, ts, user, team, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (platform, channel, ts) DO UPDATE SET text = excluded.text";
constexpr std::string_view find_message_sql =
    "SELECT user, team, text, at FROM seen_messages WHERE platform = ?1 AND channel = ?2 AND ts = ?3";
constexpr std::string_view forget_messages_sql = "DELETE FROM seen_messages WHERE at < ?1";
constexpr std::string_view remember_user_sql =
    "INSERT INTO chat_users (platform, user, team, seen_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (platform, user) DO UPDATE SET team = excluded.team, seen_at = excluded.seen_at";
constexpr std::string_view user_team_sql = "SELECT team FROM chat_users WHERE platform = ?1 AND user = ?2";
constexpr std::string_view user_sighting_sql = "SELECT team, seen_at FROM chat_users WHERE platform = ?1 AND user = ?2";
// remember_user_team() rewrites an unchanged team only when its sighting is older than this.
constexpr std::chrono::seconds sighting_refresh{3600};
}  // namespace

result<bool> sqlite_store::record_event(std::string_view key, wall_time at)
{
    bool recorded = false;
    auto done = write([&]() -> result<void> {
        auto st = db_->prepare(record_event_sql);
        if (!st)
            return st.error();
        st->bind_text(1, key);
        st->bind_time(2, at);
        if (auto ran = st->run(); !ran)
            return ran;
        recorded = db_->changes() > 0;
        return {};
    });
    if (!done)
        return failure(done.error());
    return recorded;
}

result<void> sqlite_store::forget_events_before(wall_time t)
{
    return write([&]() -> result<void> {
        auto st = db_->prepare(forget_events_sql);
        if (!st)
            return st.error();
        st->bind_time(1, t);
        return st->run();
    });
}

result<void> sqlite_store::remember_message(const seen_message& m)
{
    return write([&]() -> result<void> {
        auto st = db_->prepare(remember_message_sql);
        if (!st)
            return st.error();
        st->bind_text(1, to_string(m.where));
        st->bind_text(2, m.channel);
        st->bind_text(3, m.ts);
        st->bind_text(4, m.user);
        st->bind_text(5, m.team);
        st->bind_text(6, m.text);
        st->bind_time(7, m.at);
        return st->run();
    });
}

result<std::optional<seen_message>> sqlite_store::find_message(platform where, std::string_view channel,
                                                               std::string_view ts)
{
    auto const r = read();
    auto st = r.db->prepare(find_message_sql);
    if (!st)
        return st.error();
    st->bind_text(1, to_string(where));
    st->bind_text(2, channel);
    st->bind_text(3, ts);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<seen_message>{};
    return std::optional<seen_message>{
        seen_message{where, std::string{channel}, std::string{ts}, st->text(0), st->text(1), st->text(2), st->time(3)}};
}

result<void> sqlite_store::forget_messages_before(wall_time t)
{
    return write([&]() -> result<void> {
        auto st = db_->prepare(forget_messages_sql);
        if (!st)
            return st.error();
        st->bind_time(1, t);
        return st->run();
    });
}

std::string sqlite_store::sighting_key(platform where, std::string_view user)
{
    return std::string{to_string(where)} + '\n' + std::string{user};
}

bool sqlite_store::remembers_user_team(platform where, std::string_view user, std::string_view team, wall_time at)
{
    auto const key = sighting_key(where, user);
    std::lock_guard lock{sightings_mutex_};
    auto const it = sightings_.find(key);
    return it != sightings_.end() && it->second.team == team && it->second.at <= at &&
           at - it->second.at < sighting_refresh;
}

result<void> sqlite_store::remember_user_team(platform where, std::string_view user, std::string_view team,
                                              wall_time at)
{
    // Slack names the team on every request: most sightings change nothing. The
    // sightings this store wrote or read lately answer first (no statement at all);
    // then a read, which costs far less than a write.
    if (remembers_user_team(where, user, team, at))
        return {};
    auto const key = sighting_key(where, user);
    {
        std::lock_guard lock{sightings_mutex_};
        sightings_.erase(key);   // about to read and maybe write: any entry is stale
    }
    // Only what is stored is remembered: never inside a batch, whose writes (and the
    // reads that see them) may still roll back. Of two sightings remembered at once
    // the later one stays.
    auto const remember = [&](wall_time seen) {
        if (batching())
            return;
        std::lock_guard lock{sightings_mutex_};
        if (sightings_.size() >= max_sightings)
            sightings_.clear();   // a simple bound: the next requests read again
        auto [it, added] = sightings_.try_emplace(key, sighting{std::string{team}, seen});
        if (!added && it->second.at < seen)
            it->second = sighting{std::string{team}, seen};
    };
    std::optional<wall_time> seen_on_team;   // the stored sighting, if it is recent and on this team
    {
        auto const r = read();
        auto st = r.db->prepare(user_sighting_sql);
        if (!st)
            return st.error();
        st->bind_text(1, to_string(where));
        st->bind_text(2, user);
        auto row = st->step();
        if (!row)
            return row.error();
        if (*row && st->text_view(0) == team && st->time(1) <= at && at - st->time(1) < sighting_refresh)
            seen_on_team = st->time(1);
    }
    if (seen_on_team) {
        remember(*seen_on_team);
        return {};
    }
    auto written = write([&]() -> result<void> {
        auto st = db_->prepare(remember_user_sql);
        if (!st)
            return st.error();
        st->bind_text(1, to_string(where));
        st->bind_text(2, user);
        st->bind_text(3, team);
        st->bind_time(4, at);
        return st->run();
    });
    if (written)
        remember(at);
    return written;
}

result<std::optional<std::string>> sqlite_store::user_team(platform where, std::string_view user)
{
    auto const r = read();
    auto st = r.db->prepare(user_team_sql);
    if (!st)
        return st.error();
    st->bind_text(1, to_string(where));
    st->bind_text(2, user);
    auto row = st->step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<std::string>{};
    return std::optional<std::string>{st->text(0)};
}

// ---- conversation references

namespace {
constexpr std::string_view find_conversation_sql =
    "SELECT service_url, conversation_id, tenant_id, seen_at FROM conversation_refs "
    "WHERE platform = ?1 AND channel = ?2";
// A handful of rows (one per channel and direct chat): no index needed.
constexpr std::string_view conversation_in_tenant_sql =
    "SELECT service_url, conversation_id, tenant_id, seen_at FROM conversation_refs "
    "WHERE platform = ?1 AND tenant_id = ?2 ORDER BY seen_at DESC LIMIT 1";
constexpr std::string_view remember_conversation_sql =
    "INSERT INTO conversation_refs (platform, channel, service_url, conversation_id, tenant_id, seen_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (platform, channel) DO UPDATE SET "
    "service_url = excluded.service_url, conversation_id = excluded.conversation_id, "
    "tenant_id = excluded.tenant_id, seen_at = excluded.seen_at";
}  // namespace

result<void> sqlite_store::remember_conversation(platform where, std::string_view channel, const conversation_ref& ref)
{
    // Every activity carries the reference: write only when it changed (or is a day old).
    if (auto known = find_conversation(where, channel); known && *known) {
        auto const& k = **known;
        if (k.service_url == ref.service_url && k.conversation_id == ref.conversation_id &&
            k.tenant_id == ref.tenant_id && ref.seen_at - k.seen_at < std::chrono::hours{24})
            return {};
    }
    return write([&]() -> result<void> {
        auto st = db_->prepare(remember_conversation_sql);
        if (!st)
            return st.error();
        st->bind_text(1, to_string(where));
        st->bind_text(2, channel);
        st->bind_text(3, ref.service_url);
        st->bind_text(4, ref.conversation_id);
        st->bind_text(5, ref.tenant_id);
        st->bind_time(6, ref.seen_at);
        return st->run();
    });
}

namespace {
result<std::optional<conversation_ref>> one_conversation(statement& st)
{
    auto row = st.step();
    if (!row)
        return row.error();
    if (!*row)
        return std::optional<conversation_ref>{};
    return std::optional<conversation_ref>{conversation_ref{st.text(0), st.text(1), st.text(2), st.time(3)}};
}
}  // namespace

result<std::optional<conversation_ref>> sqlite_store::find_conversation(platform where, std::string_view channel)
{
    auto const r = read();
    auto st = r.db->prepare(find_conversation_sql);
    if (!st)
        return st.error();
    st->bind_text(1, to_string(where));
    st->bind_text(2, channel);
    return one_conversation(*st);
}

result<std::optional<conversation_ref>> sqlite_store::any_conversation_in(platform where, std::string_view tenant)
{
    auto const r = read();
    auto st = r.db->prepare(conversation_in_tenant_sql);
    if (!st)
        return st.error();
    st->bind_text(1, to_string(where));
    st->bind_text(2, tenant);
    return one_conversation(*st);
}

}  // namespace bot::store
