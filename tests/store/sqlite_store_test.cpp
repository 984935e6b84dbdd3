#include "store/sqlite_store.hpp"  // first: proves the header is self-contained

#include "support/temp_dir.hpp"
#include "support/test_time.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {
using namespace bot;
using bot::store::sqlite_store;
using bot::test::manual_clock;
using bot::test::utc;
using std::chrono::seconds;

// ---- fixtures

using bot::test::temp_dir;

// A second, plain SQLite connection to a database file: seeds old schemas, installs
// failure triggers and looks at rows the store's API does not show.
class raw_db {
public:
    explicit raw_db(const std::string& path)
    {
        REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
        sqlite3_busy_timeout(db_, 5000);
    }
    ~raw_db() { sqlite3_close(db_); }
    raw_db(const raw_db&) = delete;
    raw_db& operator=(const raw_db&) = delete;

    int exec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }

    void must(const std::string& sql)
    {
        INFO(sql);
        int const rc = exec(sql);
        INFO(sqlite3_errmsg(db_));
        REQUIRE(rc == SQLITE_OK);
    }

    std::int64_t integer(const std::string& sql)
    {
        auto const value = first_row(sql);
        return value.empty() ? -1 : std::stoll(value);
    }

    // The first column of the first row as text ("" when there is no row or it is NULL).
    std::string first_row(const std::string& sql)
    {
        INFO(sql);
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
        std::string out;
        if (sqlite3_step(st) == SQLITE_ROW)
            if (auto const* p = sqlite3_column_text(st, 0))
                out = reinterpret_cast<const char*>(p);
        sqlite3_finalize(st);
        return out;
    }

private:
    sqlite3* db_ = nullptr;
};

std::unique_ptr<sqlite_store> open_store(const std::string& path, const bot::clock& clk = bot::real_clock())
{
    auto opened = sqlite_store::open(path, clk);
    INFO(path);
    REQUIRE(opened.has_value());
    return std::move(*opened);
}

bot::directory sample_directory()
{
    std::vector<customer_org> customers{{"acme", "Acme Corp", {"T-ACME"}}, {"globex", "Globex", {}}};
    std::vector<person> people{
        {"ana", "Ana Agent", role::agent, "", "U-ANA", ""},
        {"lee", "Lee Lead", role::lead, "", "U-LEE", "29:lee"},
        {"bob", "Bob Buyer", role::customer, "acme", "U-BOB", ""},
    };
    std::vector<channel_link> channels{
        {platform::slack, "C-ACME", "acme", open_mode::every_message, "", ""},
        {platform::teams, "19:globex", "globex", open_mode::mention_only, "https://secret.example/hook", ""},
        {platform::slack, "C-AGENTS", "", open_mode::mention_only, "", ""},
    };
    return bot::directory{customers, people, channels, routing{}, team_identity{}};
}

// An in-memory store that knows the sample customers.
std::unique_ptr<sqlite_store> memory_store(const bot::clock& clk = bot::real_clock())
{
    auto store = open_store(":memory:", clk);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    return store;
}

case_record basic_case(case_id id, std::string customer = "acme")
{
    case_record c;
    c.id = id;
    c.customer = std::move(customer);
    c.origin = {platform::slack, "C-ACME", ""};
    c.title = "Export #" + std::to_string(id) + " fails";
    c.description = "The nightly export stops at 80%.";
    c.kind = category::error;
    c.level = severity::normal;
    c.state = case_state::open;
    c.opened_by = "bob";
    c.created_at = utc("2025-03-03T15:00:00Z");
    c.initial.anchor = c.created_at;
    c.initial.due = utc("2025-03-03T19:00:00Z");
    c.next_alarm_at = utc("2025-03-03T18:45:00Z");
    c.version = 1;
    return c;
}

outbound_message message_for(const case_record& c, std::string kind, std::string text = "hello")
{
    outbound_message m;
    m.case_ref = c.id;
    m.kind = std::move(kind);
    m.to = destination{c.origin.where, c.origin.channel, c.origin.thread, true, false, {}};
    m.text = std::move(text);
    return m;
}

// A new case with its "opened" event and its case card.
stored_change opening(const case_record& c)
{
    stored_change change;
    change.after = c;
    change.after.version = 1;
    change.expected_version = 0;
    change.events.push_back({c.id, c.created_at, c.opened_by, "opened", c.title});
    change.messages.push_back(message_for(c, "case_card", "Case #" + std::to_string(c.id)));
    return change;
}

// The change from `before` to `after` at `at`, with one event and one message.
stored_change update(const case_record& before, case_record after, wall_time at, std::string what = "claimed")
{
    stored_change change;
    change.expected_version = before.version;
    after.version = before.version + 1;
    change.events.push_back({after.id, at, "ana", what, "detail of " + what});
    change.messages.push_back(message_for(after, what, "Ana " + what + " it"));
    change.after = std::move(after);
    return change;
}

case_record found(sqlite_store& store, case_id id)
{
    auto got = store.find(id);
    REQUIRE(got.has_value());
    REQUIRE(got->has_value());
    return **got;
}

std::vector<case_id> ids_of(const std::vector<case_record>& cases)
{
    std::vector<case_id> out;
    for (auto const& c : cases)
        out.push_back(c.id);
    return out;
}

std::vector<std::int64_t> ids_of_outbox(const std::vector<outbox_entry>& entries)
{
    std::vector<std::int64_t> out;
    for (auto const& e : entries)
        out.push_back(e.message.id);
    return out;
}

std::size_t outbox_size(sqlite_store& store)
{
    auto all = store.recent_outbox(1000);
    REQUIRE(all.has_value());
    return all->size();
}

// A case with every field set to something other than its default.
case_record full_case(case_id id)
{
    case_record c;
    c.id = id;
    c.customer = "globex";
    c.origin = {platform::teams, "19:globex", "1700000000.000100"};
    c.card_ref = "1700000000.000200";
    c.title = "Löschen schlägt fehl — \"quotes\", 'apostrophes' and \\ backslashes";
    c.description = "line one\nline two\ttabbed";
    c.kind = category::crm_maintenance;
    c.level = severity::low;
    c.state = case_state::waiting;
    c.opened_by = "teams:29:someone";
    c.assignee = "ana";
    c.assignee_name = "Ana Agent";
    c.created_at = utc("2025-03-03T15:00:01Z");
    c.responded_at = utc("2025-03-03T15:20:02Z");
    c.updated_at = utc("2025-03-04T10:00:03Z");
    c.resolved_at = utc("2025-03-05T11:00:04Z");
    c.closed_at = utc("2025-03-06T12:00:05Z");
    c.paused_at = utc("2025-03-04T12:00:06Z");
    c.paused_business = seconds{12345};
    c.declined_while_waiting = true;
    c.initial = {utc("2025-03-03T15:00:01Z"), utc("2025-03-04T15:00:07Z"), true, true, 3, true};
    c.status = {utc("2025-03-04T10:00:03Z"), utc("2025-03-11T10:00:08Z"), true, false, 1, false};
    c.pending_request = severity_request{severity::critical, "bob", "production is down", utc("2025-03-04T09:00:09Z")};
    c.next_alarm_at = utc("2025-03-11T09:45:10Z");
    c.version = 1;
    return c;
}

// ---- round trips

TEST_CASE("a case round-trips through the store with every field intact")
{
    auto store = memory_store();

    SUBCASE("every field set, optionals present")
    {
        auto const c = full_case(7);
        REQUIRE(store->commit(opening(c)).has_value());
        CHECK(found(*store, 7) == c);

        auto const all = store->list({list_scope::all, std::nullopt, "", 10});
        REQUIRE(all.has_value());
        REQUIRE(all->size() == 1);
        CHECK(all->front() == c);
    }
    SUBCASE("optionals empty, clocks at their defaults")
    {
        case_record c;
        c.id = 8;
        c.customer = "acme";
        c.origin = {platform::cli, "cli", ""};
        c.title = "t";
        c.opened_by = "bob";
        c.created_at = utc("1969-12-31T23:59:59Z");  // instants before the epoch survive too
        c.version = 1;
        REQUIRE(store->commit(opening(c)).has_value());
        auto const back = found(*store, 8);
        CHECK(back == c);
        CHECK_FALSE(back.pending_request.has_value());
        CHECK_FALSE(back.next_alarm_at.has_value());
    }
    SUBCASE("an update writes every field and can clear optionals")
    {
        auto const before = full_case(9);
        REQUIRE(store->commit(opening(before)).has_value());
        auto after = before;
        after.customer = "acme";
        after.title = "renamed";
        after.kind = category::question;
        after.level = severity::normal;
        after.state = case_state::responded;
        after.assignee = "lee";
        after.assignee_name = "Lee Lead";
        after.resolved_at.reset();
        after.closed_at.reset();
        after.paused_at.reset();
        after.paused_business = seconds{0};
        after.declined_while_waiting = false;
        after.initial = {};
        after.status.pings = 4;
        after.pending_request.reset();
        after.next_alarm_at.reset();
        auto const change = update(before, after, utc("2025-03-07T09:00:00Z"));
        REQUIRE(store->commit(change).has_value());
        CHECK(found(*store, 9) == change.after);
        CHECK(found(*store, 9).version == 2);
    }
}

TEST_CASE("an update lands whichever indexed columns it changes, and the indexes follow")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    auto const early = utc("2025-03-03T16:00:00Z");
    auto const late = utc("2025-03-04T16:00:00Z");
    // Bits: 1 alarm, 2 state, 4 customer, 8 origin, 16 card; every combination once.
    constexpr int combinations = 32;
    for (int bits = 0; bits < combinations; ++bits) {
        CAPTURE(bits);
        auto before = basic_case(bits + 1);
        before.next_alarm_at = early;
        REQUIRE(store->commit(opening(before)).has_value());
        auto after = before;
        after.title = "changed";
        if (bits & 1)
            after.next_alarm_at = bits & 2 ? std::nullopt : std::optional{late};
        if (bits & 2)
            after.state = case_state::responded;
        if (bits & 4)
            after.customer = "globex";
        if (bits & 8)
            after.origin = {platform::teams, "19:globex", "thread-" + std::to_string(bits)};
        if (bits & 16)
            after.card_ref = "card-" + std::to_string(bits);
        auto const change = update(before, after, early);
        REQUIRE(store->commit(change).has_value());
        CHECK(found(*store, bits + 1) == change.after);
    }
    std::vector<case_id> still_early;
    std::vector<case_id> acme_open;
    for (int bits = 0; bits < combinations; ++bits) {
        if (!(bits & 1))
            still_early.push_back(bits + 1);
        if (!(bits & 4))
            acme_open.push_back(bits + 1);
        auto const where = bits & 8 ? platform::teams : platform::slack;
        std::string const channel = bits & 8 ? "19:globex" : "C-ACME";
        if (bits & 8)
            CHECK(store->find_by_thread(where, channel, "thread-" + std::to_string(bits)).value()->id == bits + 1);
        if (bits & 16)
            CHECK(store->find_by_thread(where, channel, "card-" + std::to_string(bits)).value()->id == bits + 1);
    }
    CHECK(ids_of(store->due_cases(early, 100).value()) == still_early);
    CHECK(ids_of(store->list({list_scope::open, std::string{"acme"}, "", 100}).value()) == acme_open);
    CHECK(store->list({list_scope::open, std::nullopt, "", 100}).value().size() == combinations);
    raw_db raw{path};
    CHECK(raw.first_row("PRAGMA integrity_check") == "ok");
}

TEST_CASE("the stored version is the expected version plus one, whatever the change says")
{
    auto store = memory_store();
    auto change = opening(basic_case(1));
    change.after.version = 42;
    REQUIRE(store->commit(change).has_value());
    CHECK(found(*store, 1).version == 1);
}

TEST_CASE("history comes back oldest first with every field")
{
    auto store = memory_store();
    auto const c = basic_case(3);
    REQUIRE(store->commit(opening(c)).has_value());
    auto const claimed = update(c, c, utc("2025-03-03T15:10:00Z"), "claimed");
    REQUIRE(store->commit(claimed).has_value());

    auto const events = store->history(3);
    REQUIRE(events.has_value());
    REQUIRE(events->size() == 2);
    CHECK((*events)[0] == case_event{3, c.created_at, "bob", "opened", c.title});
    CHECK((*events)[1] == case_event{3, utc("2025-03-03T15:10:00Z"), "ana", "claimed", "detail of claimed"});
    CHECK(store->history(4).value().empty());
}

// ---- all or nothing

TEST_CASE("a stale expected version is a conflict and writes nothing")
{
    auto store = memory_store();
    auto const c = basic_case(5);
    REQUIRE(store->commit(opening(c)).has_value());
    auto const outbox_before = outbox_size(*store);

    SUBCASE("an update against an old version")
    {
        auto stale = update(c, c, utc("2025-03-03T15:10:00Z"));
        stale.after.title = "should not land";
        stale.expected_version = 7;
        auto const saved = store->commit(stale);
        REQUIRE_FALSE(saved.has_value());
        CHECK(saved.error() == errc::conflict);
    }
    SUBCASE("an insert of a number already taken")
    {
        auto again = opening(basic_case(5));
        again.after.title = "should not land";
        auto const saved = store->commit(again);
        REQUIRE_FALSE(saved.has_value());
        CHECK(saved.error() == errc::conflict);
    }
    SUBCASE("an update of a case that does not exist")
    {
        auto ghost = update(basic_case(6), basic_case(6), utc("2025-03-03T15:10:00Z"));
        auto const saved = store->commit(ghost);
        REQUIRE_FALSE(saved.has_value());
        CHECK(saved.error() == errc::conflict);
        CHECK_FALSE(store->find(6).value().has_value());
    }
    CHECK(found(*store, 5) == c);
    CHECK(store->history(5).value().size() == 1);
    CHECK(outbox_size(*store) == outbox_before);
}

TEST_CASE("a change that fails half-way leaves the case, its history and the outbox as they were")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    auto const c = basic_case(11);
    REQUIRE(store->commit(opening(c)).has_value());

    // The case row and its events are written before the outbox: make the outbox refuse.
    raw_db raw{path};
    raw.must("CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'injected'); END");

    SUBCASE("an update")
    {
        auto change = update(c, c, utc("2025-03-03T15:10:00Z"));
        change.after.state = case_state::responded;
        change.after.assignee = "ana";
        auto const saved = store->commit(change);
        REQUIRE_FALSE(saved.has_value());
        CHECK(saved.error() == errc::storage_failed);
        CHECK(found(*store, 11) == c);
    }
    SUBCASE("a new case")
    {
        auto const saved = store->commit(opening(basic_case(12)));
        REQUIRE_FALSE(saved.has_value());
        CHECK(saved.error() == errc::storage_failed);
        CHECK_FALSE(store->find(12).value().has_value());
        CHECK(store->history(12).value().empty());
    }
    SUBCASE("a batch fails as a whole")
    {
        auto first = update(c, c, utc("2025-03-03T15:10:00Z"));
        first.messages.clear();  // this one would succeed on its own
        std::vector<stored_change> batch{first, opening(basic_case(12))};
        auto const saved = store->commit_batch(batch);
        REQUIRE_FALSE(saved.has_value());
        CHECK(saved.error() == errc::storage_failed);
        CHECK(found(*store, 11) == c);
        CHECK_FALSE(store->find(12).value().has_value());
    }
    CHECK(store->history(11).value().size() == 1);
    CHECK(raw.integer("SELECT count(*) FROM case_events") == 1);
    CHECK(raw.integer("SELECT count(*) FROM outbox") == 1);

    // The store is usable again once the fault is gone.
    raw.must("DROP TRIGGER fail_outbox");
    REQUIRE(store->commit(update(c, c, utc("2025-03-03T15:10:00Z"))).has_value());
    CHECK(raw.integer("SELECT count(*) FROM outbox") == 2);
}

TEST_CASE("a batch commits every change but the conflicting one, whose id it returns")
{
    auto store = memory_store();
    for (case_id id : {1, 2, 3})
        REQUIRE(store->commit(opening(basic_case(id))).has_value());
    auto const outbox_before = outbox_size(*store);
    auto const at = utc("2025-03-03T18:45:00Z");

    std::vector<stored_change> batch;
    for (case_id id : {1, 2, 3}) {
        auto const before = basic_case(id);
        auto after = before;
        after.initial.reminded = true;
        batch.push_back(update(before, after, at, "reminder"));
    }
    batch[1].expected_version = 9;  // someone else changed #2 meanwhile

    auto const conflicted = store->commit_batch(batch);
    REQUIRE(conflicted.has_value());
    CHECK(*conflicted == std::vector<case_id>{2});
    CHECK(found(*store, 1).initial.reminded);
    CHECK(found(*store, 3).initial.reminded);
    CHECK(found(*store, 2) == basic_case(2));
    CHECK(store->history(1).value().size() == 2);
    CHECK(store->history(2).value().size() == 1);
    CHECK(store->history(3).value().size() == 2);
    CHECK(outbox_size(*store) == outbox_before + 2);

    SUBCASE("an empty batch commits nothing and succeeds")
    {
        auto const none = store->commit_batch({});
        REQUIRE(none.has_value());
        CHECK(none->empty());
    }
}

TEST_CASE("a case without a number is refused")
{
    auto store = memory_store();
    auto const saved = store->commit(opening(basic_case(0)));
    REQUIRE_FALSE(saved.has_value());
    CHECK(saved.error() == errc::storage_failed);
    CHECK(store->count_open_cases().value() == 0);
}

TEST_CASE("a case of a customer the store does not know is refused")
{
    auto store = memory_store();
    auto const saved = store->commit(opening(basic_case(1, "initech")));
    REQUIRE_FALSE(saved.has_value());
    CHECK(saved.error() == errc::storage_failed);
}

// ---- reading

TEST_CASE("due cases come earliest first, up to the limit, and a case without an alarm never comes")
{
    auto store = memory_store();
    auto const base = utc("2025-03-03T16:00:00Z");
    // id → minutes after base of its next alarm; -1: none
    std::vector<std::pair<case_id, int>> alarms{{1, 30}, {2, -1}, {3, 10}, {4, 20}, {5, 10}, {6, 90}, {7, -1}};
    for (auto [id, minutes] : alarms) {
        auto c = basic_case(id);
        if (minutes < 0)
            c.next_alarm_at.reset();
        else
            c.next_alarm_at = base + std::chrono::minutes{minutes};
        REQUIRE(store->commit(opening(c)).has_value());
    }

    CHECK(ids_of(store->due_cases(base + std::chrono::minutes{30}, 10).value()) == std::vector<case_id>{3, 5, 4, 1});
    CHECK(ids_of(store->due_cases(base + std::chrono::minutes{30}, 2).value()) == std::vector<case_id>{3, 5});
    CHECK(ids_of(store->due_cases(base + std::chrono::minutes{9}, 10).value()).empty());
    CHECK(ids_of(store->due_cases(wall_time::max(), 100).value()) == std::vector<case_id>{3, 5, 4, 1, 6});
    CHECK(store->due_cases(wall_time::max(), 0).value().empty());

    SUBCASE("a case whose alarm is cleared leaves the schedule")
    {
        auto const before = found(*store, 3);
        auto after = before;
        after.next_alarm_at.reset();
        REQUIRE(store->commit(update(before, after, base)).has_value());
        CHECK(ids_of(store->due_cases(wall_time::max(), 100).value()) == std::vector<case_id>{5, 4, 1, 6});
    }
}

TEST_CASE("list honours the scope, the customer, the order by id and the limit")
{
    auto store = memory_store();
    auto add = [&](case_id id, std::string customer, case_state state, auto&& tweak) {
        auto c = basic_case(id, std::move(customer));
        c.state = state;
        tweak(c);
        REQUIRE(store->commit(opening(c)).has_value());
    };
    auto none = [](case_record&) {};
    add(6, "acme", case_state::open, none);
    add(2, "acme", case_state::open, [](case_record& c) { c.initial.breached = true; });
    add(3, "globex", case_state::responded, [](case_record& c) {
        c.assignee = "ana";
        c.status.breached = true;
    });
    add(4, "acme", case_state::waiting, [](case_record& c) { c.assignee = "ana"; });
    add(5, "acme", case_state::resolved, [](case_record& c) { c.assignee = "ana"; });
    add(1, "globex", case_state::closed, none);
    add(7, "globex", case_state::declined, none);
    add(8, "acme", case_state::responded, [](case_record& c) {
        c.initial.breached = true;  // breached before the response: not breached now
        c.opened_by = "carol";
    });

    auto ids = [&](list_scope scope, std::optional<std::string> customer = std::nullopt, std::string actor = "",
                   std::size_t limit = 50) {
        auto const got = store->list({scope, std::move(customer), std::move(actor), limit});
        REQUIRE(got.has_value());
        return ids_of(*got);
    };
    using v = std::vector<case_id>;
    CHECK(ids(list_scope::open) == v{2, 3, 4, 6, 8});
    CHECK(ids(list_scope::open, "acme") == v{2, 4, 6, 8});
    CHECK(ids(list_scope::open, "initech").empty());
    CHECK(ids(list_scope::all) == v{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(ids(list_scope::all, "globex") == v{1, 3, 7});
    CHECK(ids(list_scope::all, std::nullopt, "", 3) == v{1, 2, 3});
    CHECK(ids(list_scope::waiting) == v{4});
    CHECK(ids(list_scope::breached) == v{2, 3});
    CHECK(ids(list_scope::breached, "acme") == v{2});
    CHECK(ids(list_scope::mine, std::nullopt, "ana") == v{3, 4});
    CHECK(ids(list_scope::mine, "acme", "ana") == v{4});
    CHECK(ids(list_scope::mine, std::nullopt, "bob") == v{2, 3, 4, 6});
    CHECK(ids(list_scope::mine, std::nullopt, "carol") == v{8});
    CHECK(ids(list_scope::mine, std::nullopt, "").empty());
    CHECK(store->count_open_cases().value() == 5);
}

TEST_CASE("list mine shows a case its agent also opened once")
{
    auto store = memory_store();
    auto c = basic_case(1);
    c.opened_by = "ana";
    c.assignee = "ana";
    REQUIRE(store->commit(opening(c)).has_value());
    CHECK(ids_of(store->list({list_scope::mine, std::nullopt, "ana", 50}).value()) == std::vector<case_id>{1});
}

TEST_CASE("list mine for a customer finds that customer's cases behind a page of another's")
{
    auto store = memory_store();
    for (case_id id = 1; id <= 5; ++id) {
        auto c = basic_case(id, id <= 4 ? "globex" : "acme");
        c.assignee = "ana";
        REQUIRE(store->commit(opening(c)).has_value());
    }
    CHECK(ids_of(store->list({list_scope::mine, "acme", "ana", 2}).value()) == std::vector<case_id>{5});
    CHECK(ids_of(store->list({list_scope::mine, std::nullopt, "ana", 2}).value()) == std::vector<case_id>{1, 2});
}

TEST_CASE("list mine and list breached read indexes of open cases, never every case")
{
    temp_dir dir;
    auto store = open_store(dir.file("casebot.db"));
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    for (auto const& q : {case_query{list_scope::mine, std::nullopt, "ana", 50},
                          case_query{list_scope::mine, "acme", "ana", 50},
                          case_query{list_scope::breached, std::nullopt, "", 50},
                          case_query{list_scope::breached, "acme", "", 50}}) {
        auto const planned = store->list_plan(q);
        REQUIRE_MESSAGE(planned.has_value(), planned.error().message());
        auto const& plan = *planned;
        CAPTURE(plan);
        CHECK(plan.find("SCAN cases\n") == std::string::npos);
        CHECK(plan.find("cases_by_state") == std::string::npos);
        CHECK(plan.find(q.scope == list_scope::mine ? "cases_open_by_assignee" : "cases_breached") !=
              std::string::npos);
        CHECK(plan.find("cases_by_customer_state") == std::string::npos);
        // Read in id order, never sorted: the look-ups stop at the limit.
        CHECK(plan.find("TEMP B-TREE") == std::string::npos);
    }
}

TEST_CASE("a case is found by its thread or its card through their partial indexes, never by a scan")
{
    temp_dir dir;
    auto store = open_store(dir.file("casebot.db"));
    auto const planned = store->find_by_thread_plan();
    REQUIRE_MESSAGE(planned.has_value(), planned.error().message());
    auto const& plan = *planned;
    CAPTURE(plan);
    CHECK(plan.find("cases_by_thread") != std::string::npos);
    CHECK(plan.find("cases_by_card") != std::string::npos);
    CHECK(plan.find("SCAN cases") == std::string::npos);
}

TEST_CASE("a thread reply finds its case by the thread root or by the card, in that channel only")
{
    auto store = memory_store();
    auto a = basic_case(1);
    a.origin.thread = "111.1";
    auto b = basic_case(2);
    b.card_ref = "222.2";  // the card was posted into a thread we don't know as the root
    REQUIRE(store->commit(opening(a)).has_value());
    REQUIRE(store->commit(opening(b)).has_value());
    REQUIRE(store->commit(opening(basic_case(3))).has_value());  // no thread, no card yet

    auto lookup = [&](platform where, std::string_view channel, std::string_view thread) -> std::optional<case_id> {
        auto const got = store->find_by_thread(where, channel, thread);
        REQUIRE(got.has_value());
        if (!*got)
            return std::nullopt;
        return (*got)->id;
    };
    CHECK(lookup(platform::slack, "C-ACME", "111.1") == 1);
    CHECK(lookup(platform::slack, "C-ACME", "222.2") == 2);
    CHECK(lookup(platform::slack, "C-OTHER", "111.1") == std::nullopt);
    CHECK(lookup(platform::teams, "C-ACME", "111.1") == std::nullopt);
    CHECK(lookup(platform::slack, "C-ACME", "333.3") == std::nullopt);
    CHECK(lookup(platform::slack, "C-ACME", "") == std::nullopt);  // top-level messages belong to no case
}

// ---- case numbers

TEST_CASE("case numbers are unique and increasing across two stores on one file")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto first = open_store(path);
    auto second = open_store(path);
    REQUIRE(first->sync_directory(sample_directory()).has_value());

    std::vector<case_id> taken;
    for (int i = 0; i < 10; ++i) {
        auto& store = i % 3 == 0 ? *second : *first;
        auto const id = store.allocate_case_id();
        REQUIRE(id.has_value());
        taken.push_back(*id);
    }
    CHECK(std::is_sorted(taken.begin(), taken.end()));
    CHECK(std::set<case_id>(taken.begin(), taken.end()).size() == taken.size());
    CHECK(taken.front() == 1);

    SUBCASE("numbers of commands that never committed are not handed out again")
    {
        REQUIRE(first->commit(opening(basic_case(taken[3]))).has_value());
        auto const next = second->allocate_case_id();
        REQUIRE(next.has_value());
        CHECK(*next == taken.back() + 1);
    }
    SUBCASE("a number never falls below a case already stored")
    {
        REQUIRE(first->commit(opening(basic_case(500))).has_value());
        CHECK(second->allocate_case_id().value() == 501);
        CHECK(first->allocate_case_id().value() == 502);
    }
    SUBCASE("numbers survive closing and reopening the file")
    {
        second.reset();
        first.reset();
        auto reopened = open_store(path);
        CHECK(reopened->allocate_case_id().value() == taken.back() + 1);
    }
}

TEST_CASE("numbers taken by many threads at once are each handed out once, with no gap after a clean close")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    constexpr int threads = 16;
    constexpr int each = 50;
    std::vector<std::vector<case_id>> taken(threads);
    {
        auto store = open_store(path);
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                for (int i = 0; i < each; ++i)
                    taken[static_cast<std::size_t>(t)].push_back(store->allocate_case_id().value());
            });
        for (auto& w : workers)
            w.join();
        // Each thread sees its numbers increase.
        for (auto const& mine : taken)
            CHECK(std::is_sorted(mine.begin(), mine.end()));
    }   // closing gives back whatever the last block held beyond the numbers handed out
    std::set<case_id> all;
    for (auto const& mine : taken)
        all.insert(mine.begin(), mine.end());
    CHECK(all.size() == threads * each);
    CHECK(*all.begin() == 1);
    CHECK(*all.rbegin() == threads * each);   // 1 … 800, no gap
    CHECK(open_store(path)->allocate_case_id().value() == threads * each + 1);
}

TEST_CASE("two stores on one file close without handing a number out twice")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto first = open_store(path);
    auto second = open_store(path);
    CHECK(first->allocate_case_id().value() == 1);
    CHECK(second->allocate_case_id().value() == 2);
    first.reset();    // its block ended at 1 and is used up: nothing to give back
    second.reset();   // gives back nothing beyond 2
    CHECK(open_store(path)->allocate_case_id().value() == 3);
}

TEST_CASE("history is append-only: the database refuses to change or delete an event")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    REQUIRE(store->commit(opening(basic_case(1))).has_value());

    raw_db raw{path};
    CHECK(raw.exec("UPDATE case_events SET detail = 'rewritten'") != SQLITE_OK);
    CHECK(raw.exec("DELETE FROM case_events") != SQLITE_OK);
    raw.must("PRAGMA foreign_keys = ON");  // as the store opens it
    CHECK(raw.exec("DELETE FROM cases WHERE id = 1") != SQLITE_OK);  // its events still point at it
    auto const events = store->history(1);
    REQUIRE(events.has_value());
    REQUIRE(events->size() == 1);
    CHECK(events->front().detail == basic_case(1).title);
}

// ---- outbox

TEST_CASE("the outbox hands out pending messages oldest first once their attempt is due")
{
    manual_clock clock{utc("2025-03-03T15:00:00Z")};
    auto store = memory_store(clock);
    auto const c = basic_case(1);
    auto change = opening(c);
    auto& extra = change.messages.emplace_back(message_for(c, "agents", "New case"));
    extra.to = destination{platform::slack, "C-AGENTS", "", false, false, {}};
    extra.mentions = {{"S-AGENTS", "agents", true}, {"U-ANA", "Ana \"the\" Agent\\\n\x01", false}};
    auto& dm = change.messages.emplace_back(message_for(c, "breach", "Late"));
    dm.case_ref.reset();
    dm.to = destination{platform::teams, "29:lee", "", false, true, {}};
    REQUIRE(store->commit(change).has_value());
    auto const created = c.created_at;  // the change's time: its events'

    auto ready = store->pending(created, 10);
    REQUIRE(ready.has_value());
    REQUIRE(ready->size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        auto const& e = (*ready)[i];
        auto expected = change.messages[i];
        expected.id = e.message.id;
        CHECK(e.message == expected);
        CHECK(e.state == delivery_state::pending);
        CHECK(e.created_at == created);
        CHECK(e.next_attempt_at == created);
        CHECK(e.attempts == 0);
        CHECK(e.last_error.empty());
    }
    CHECK((*ready)[0].message.id < (*ready)[1].message.id);
    CHECK((*ready)[1].message.id < (*ready)[2].message.id);
    CHECK(store->pending(created - seconds{1}, 10).value().empty());
    CHECK(store->pending(created, 2).value().size() == 2);

    auto const card = (*ready)[0].message.id;
    auto const agents = (*ready)[1].message.id;
    auto const breach = (*ready)[2].message.id;

    SUBCASE("a retry waits for its next attempt and remembers why")
    {
        auto const later = created + seconds{60};
        REQUIRE(store->retry_later(agents, later, "HTTP 503", false, true).has_value());
        CHECK(ids_of_outbox(store->pending(created, 10).value()) == std::vector<std::int64_t>{card, breach});
        auto const again = store->pending(later, 10).value();
        REQUIRE(again.size() == 3);
        CHECK(again[1].message.id == agents);
        CHECK(again[1].attempts == 1);
        CHECK(again[1].next_attempt_at == later);
        CHECK(again[1].last_error == "HTTP 503");
        // Rate-limited: it waits and remembers why, but the attempt does not count.
        REQUIRE(store->retry_later(agents, later + seconds{30}, "HTTP 429", false, false).has_value());
        auto const limited = store->pending(later + seconds{30}, 10).value();
        CHECK(limited[1].attempts == 1);
        CHECK(limited[1].next_attempt_at == later + seconds{30});
        CHECK(limited[1].last_error == "HTTP 429");
        REQUIRE(store->retry_later(agents, later + seconds{60}, "HTTP 503", false, true).has_value());
        CHECK(store->pending(later + seconds{60}, 10).value()[1].attempts == 2);
    }
    SUBCASE("an attempt keeps a message in doubt until an answer settles it")
    {
        CHECK_FALSE(store->pending(created, 10).value()[1].in_doubt_since.has_value());
        REQUIRE(store->attempting(agents, created + seconds{1}).has_value());
        CHECK(store->pending(created, 10).value()[1].in_doubt_since == created + seconds{1});
        // No answer came: still in doubt at its next attempt.
        REQUIRE(store->retry_later(agents, created, "http_502", true, true).has_value());
        CHECK(store->pending(created, 10).value()[1].in_doubt_since == created + seconds{1});
        // The next attempt got Slack's own refusal: it did not arrive.
        REQUIRE(store->attempting(agents, created + seconds{2}).has_value());
        CHECK(store->pending(created, 10).value()[1].in_doubt_since == created + seconds{2});
        REQUIRE(store->retry_later(agents, created, "ratelimited", false, false).has_value());
        CHECK_FALSE(store->pending(created, 10).value()[1].in_doubt_since.has_value());
        // Delivered and failed settle it too.
        REQUIRE(store->attempting(agents, created + seconds{3}).has_value());
        REQUIRE(store->attempting(breach, created + seconds{3}).has_value());
        REQUIRE(store->delivered(agents, created + seconds{4}, "999.1").has_value());
        REQUIRE(store->failed(breach, created + seconds{4}, "channel_not_found").has_value());
        for (auto const& e : store->recent_outbox(10).value())
            CHECK_FALSE(e.in_doubt_since.has_value());
        // A message no longer pending is not put back in doubt.
        REQUIRE(store->attempting(agents, created + seconds{5}).has_value());
        CHECK(store->recent_outbox(10).value()[1].state == delivery_state::delivered);
        CHECK_FALSE(store->recent_outbox(10).value()[1].in_doubt_since.has_value());
    }
    SUBCASE("a delivered message is not handed out again, and delivering it twice is harmless")
    {
        REQUIRE(store->delivered(agents, created + seconds{5}, "999.1").has_value());
        CHECK(ids_of_outbox(store->pending(wall_time::max(), 10).value()) == std::vector<std::int64_t>{card, breach});
        REQUIRE(store->delivered(agents, created + seconds{50}, "999.2").has_value());
        CHECK(store->retry_later(agents, created + seconds{60}, "late", false, true).has_value());  // no effect
        CHECK(store->failed(agents, created + seconds{60}, "late").has_value());       // no effect
        auto const recent = store->recent_outbox(10).value();
        auto const it = std::find_if(recent.begin(), recent.end(), [&](auto const& e) { return e.message.id == agents; });
        REQUIRE(it != recent.end());
        CHECK(it->state == delivery_state::delivered);
        CHECK(it->attempts == 0);
    }
    SUBCASE("a failed message is given up for good")
    {
        REQUIRE(store->failed(breach, created + seconds{5}, "channel_not_found").has_value());
        CHECK(ids_of_outbox(store->pending(wall_time::max(), 10).value()) == std::vector<std::int64_t>{card, agents});
        REQUIRE(store->delivered(breach, created + seconds{6}, "x").has_value());  // too late: stays failed
        auto const recent = store->recent_outbox(1).value();
        REQUIRE(recent.size() == 1);
        CHECK(recent[0].message.id == breach);
        CHECK(recent[0].state == delivery_state::failed);
        CHECK(recent[0].attempts == 1);
        CHECK(recent[0].last_error == "channel_not_found");
    }
    SUBCASE("an unknown message is not found")
    {
        CHECK(store->delivered(breach + 100, created, "x").error() == errc::not_found);
        CHECK(store->retry_later(breach + 100, created, "x", false, true).error() == errc::not_found);
        CHECK(store->attempting(breach + 100, created).error() == errc::not_found);
        CHECK(store->failed(breach + 100, created, "x").error() == errc::not_found);
    }
    SUBCASE("recent_outbox lists every state, newest first")
    {
        REQUIRE(store->delivered(card, created, "1.1").has_value());
        REQUIRE(store->failed(breach, created, "gone").has_value());
        auto const recent = store->recent_outbox(10).value();
        CHECK(ids_of_outbox(recent) == std::vector<std::int64_t>{breach, agents, card});
        CHECK(recent[0].state == delivery_state::failed);
        CHECK(recent[1].state == delivery_state::pending);
        CHECK(recent[2].state == delivery_state::delivered);
    }
    SUBCASE("messages of a change without events are stamped with the store's clock")
    {
        clock.set(utc("2025-03-03T16:00:00Z"));
        stored_change quiet;
        quiet.after = c;
        quiet.expected_version = 1;
        quiet.messages.push_back(message_for(c, "note"));
        REQUIRE(store->commit(quiet).has_value());
        auto const newest = store->recent_outbox(1).value();
        REQUIRE(newest.size() == 1);
        CHECK(newest[0].created_at == clock.now());
        CHECK(newest[0].next_attempt_at == clock.now());
    }
}

TEST_CASE("mentions written in any JSON spelling are read back")
{
    // The store reads its own spelling directly and leaves any other to SQLite.
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    REQUIRE(store->commit(::opening(basic_case(1))).has_value());
    raw_db raw{path};
    raw.must("UPDATE outbox SET mentions = '[ {\"group\": true, \"name\": \"Ren\\u00e9 \\u2603\", \"id\": \"U-REN\"} ]'");
    auto const queued = store->pending(wall_time::max(), 10).value();
    REQUIRE(queued.size() == 1);
    CHECK(queued[0].message.mentions == std::vector<mention>{{"U-REN", "Ren\u00e9 \u2603", true}});
}

TEST_CASE("a delivered case card becomes the thread root of a case that had none")
{
    auto store = memory_store();
    auto const c = basic_case(1);
    REQUIRE(store->commit(opening(c)).has_value());
    // Claimed before the card went out: this message also waits for the thread.
    auto claimed = update(c, c, utc("2025-03-03T15:01:00Z"));
    REQUIRE(store->commit(claimed).has_value());
    auto const queued = store->pending(wall_time::max(), 10).value();
    REQUIRE(queued.size() == 2);
    CHECK(queued[1].message.to.thread.empty());

    REQUIRE(store->delivered(queued[0].message.id, utc("2025-03-03T15:02:00Z"), "1741014120.000100").has_value());
    auto const after = found(*store, 1);
    CHECK(after.origin.thread == "1741014120.000100");
    CHECK(after.card_ref == "1741014120.000100");
    CHECK(after.version == 2);  // learning the thread is not a change of the case
    CHECK(store->find_by_thread(platform::slack, "C-ACME", "1741014120.000100").value()->id == 1);

    SUBCASE("the messages still queued for the case's thread go into it")
    {
        auto const rest = store->pending(wall_time::max(), 10).value();
        REQUIRE(rest.size() == 1);
        CHECK(rest[0].message.to.thread == "1741014120.000100");
        CHECK(rest[0].message.to.case_thread);
    }
    SUBCASE("a change computed before the delivery keeps the thread")
    {
        auto const stale = found(*store, 1);
        auto without_thread = stale;
        without_thread.origin.thread.clear();
        without_thread.card_ref.clear();
        without_thread.state = case_state::responded;
        REQUIRE(store->commit(update(stale, without_thread, utc("2025-03-03T15:03:00Z"))).has_value());
        auto const now = found(*store, 1);
        CHECK(now.state == case_state::responded);
        CHECK(now.origin.thread == "1741014120.000100");
        CHECK(now.card_ref == "1741014120.000100");
    }
    SUBCASE("delivering the card again does not move the thread")
    {
        REQUIRE(store->delivered(queued[0].message.id, utc("2025-03-03T15:05:00Z"), "other").has_value());
        CHECK(found(*store, 1).origin.thread == "1741014120.000100");
    }
}

TEST_CASE("a case card delivered into an existing thread only fills an empty card_ref")
{
    auto store = memory_store();
    auto c = basic_case(1);
    c.origin.thread = "500.1";  // the customer's own message is the thread root
    REQUIRE(store->commit(opening(c)).has_value());
    auto const card = store->pending(wall_time::max(), 10).value().at(0).message.id;
    REQUIRE(store->delivered(card, utc("2025-03-03T15:02:00Z"), "500.2").has_value());
    auto const after = found(*store, 1);
    CHECK(after.origin.thread == "500.1");
    CHECK(after.card_ref == "500.2");

    SUBCASE("a later card does not replace the first")
    {
        auto const before = found(*store, 1);
        auto change = update(before, before, utc("2025-03-03T16:00:00Z"), "severity");
        change.messages.push_back(message_for(before, "case_card", "refreshed card"));
        REQUIRE(store->commit(change).has_value());
        for (auto const& e : store->pending(wall_time::max(), 10).value())
            REQUIRE(store->delivered(e.message.id, utc("2025-03-03T16:01:00Z"), "500.9").has_value());
        CHECK(found(*store, 1).card_ref == "500.2");
    }
    SUBCASE("other kinds of message teach the case nothing")
    {
        auto c2 = basic_case(2);
        auto change = opening(c2);
        change.messages[0].kind = "reminder";
        REQUIRE(store->commit(change).has_value());
        auto const id = store->pending(wall_time::max(), 10).value().at(0).message.id;
        REQUIRE(store->delivered(id, utc("2025-03-03T16:01:00Z"), "600.1").has_value());
        CHECK(found(*store, 2).origin.thread.empty());
        CHECK(found(*store, 2).card_ref.empty());
    }
}

// ---- contacts and directory

TEST_CASE("contacts are added once per address, listed in order and removed")
{
    auto store = memory_store();
    contact const bob{"acme", "bob@acme.example", "Bob", "bob", utc("2025-03-03T15:00:00Z")};
    contact const carol{"acme", "carol@acme.example", "Carol", "ana", utc("2025-03-03T15:05:00Z")};
    contact const globex_bob{"globex", "bob@acme.example", "Bob at Globex", "lee", utc("2025-03-03T15:06:00Z")};

    CHECK(store->add_contact(bob).value());
    CHECK(store->add_contact(carol).value());
    CHECK(store->add_contact(globex_bob).value());  // another customer may have the same address
    CHECK_FALSE(store->add_contact(bob).value());
    auto shouting = bob;
    shouting.address = "BOB@ACME.EXAMPLE";
    CHECK_FALSE(store->add_contact(shouting).value());  // addresses compare without case

    CHECK(store->contacts("acme").value() == std::vector<contact>{bob, carol});
    CHECK(store->contacts("globex").value() == std::vector<contact>{globex_bob});
    CHECK(store->contacts("initech").value().empty());

    CHECK(store->remove_contact("acme", "Bob@Acme.Example").value());
    CHECK_FALSE(store->remove_contact("acme", "bob@acme.example").value());
    CHECK_FALSE(store->remove_contact("initech", "carol@acme.example").value());
    CHECK(store->contacts("acme").value() == std::vector<contact>{carol});
    CHECK(store->contacts("globex").value() == std::vector<contact>{globex_bob});

    SUBCASE("a contact of an unknown customer is refused")
    {
        auto const added = store->add_contact({"initech", "x@initech.example", "X", "ana", {}});
        REQUIRE_FALSE(added.has_value());
        CHECK(added.error() == errc::storage_failed);
    }
}

TEST_CASE("syncing the directory replaces channels and people and keeps customers that are still referenced")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    raw_db raw{path};
    CHECK(raw.integer("SELECT count(*) FROM customers") == 2);
    CHECK(raw.first_row("SELECT name FROM customers WHERE id = 'acme'") == "Acme Corp");
    CHECK(raw.integer("SELECT count(*) FROM channels") == 3);
    CHECK(raw.first_row("SELECT opens FROM channels WHERE channel_id = '19:globex'") == "mention_only");
    CHECK(raw.first_row("SELECT platform FROM channels WHERE channel_id = '19:globex'") == "teams");
    CHECK(raw.integer("SELECT count(*) FROM channels WHERE customer_id IS NULL") == 1);
    CHECK(raw.integer("SELECT count(*) FROM people") == 3);
    CHECK(raw.first_row("SELECT role FROM people WHERE id = 'lee'") == "lead");
    CHECK(raw.first_row("SELECT customer_id FROM people WHERE id = 'bob'") == "acme");
    CHECK(raw.first_row("SELECT teams_user FROM people WHERE id = 'lee'") == "29:lee");

    REQUIRE(store->commit(opening(basic_case(1, "globex"))).has_value());
    REQUIRE(store->add_contact({"acme", "bob@acme.example", "Bob", "bob", {}}).has_value());

    // Globex and Acme leave the configuration, Initech joins; Acme keeps its name change.
    bot::directory next{{{"initech", "Initech", {}}, {"acme", "ACME Inc.", {}}},
                        {{"ana", "Ana Agent", role::lead, "", "U-ANA", ""}},
                        {{platform::slack, "C-INITECH", "initech", open_mode::every_message, "", ""}},
                        routing{},
                        team_identity{}};
    REQUIRE(store->sync_directory(next).has_value());
    CHECK(raw.first_row("SELECT group_concat(id, ',') FROM (SELECT id FROM customers ORDER BY id)") ==
          "acme,globex,initech");
    CHECK(raw.first_row("SELECT name FROM customers WHERE id = 'acme'") == "ACME Inc.");
    CHECK(raw.first_row("SELECT group_concat(channel_id, ',') FROM channels") == "C-INITECH");
    CHECK(raw.first_row("SELECT group_concat(id || ':' || role, ',') FROM people") == "ana:lead");

    SUBCASE("a customer nothing references any more is dropped at the next sync")
    {
        REQUIRE(store->remove_contact("acme", "bob@acme.example").value());
        bot::directory only_initech{{{"initech", "Initech", {}}}, {}, {}, routing{}, team_identity{}};
        REQUIRE(store->sync_directory(only_initech).has_value());
        CHECK(raw.first_row("SELECT group_concat(id, ',') FROM (SELECT id FROM customers ORDER BY id)") ==
              "globex,initech");
        CHECK(found(*store, 1).customer == "globex");
    }
}

TEST_CASE("adding customers beside a server's directory removes nothing of it")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    raw_db raw{path};
    // A command run with another (or no) configuration: its customers are added, the
    // server's customers, channels and people all stay.
    bot::directory other{{{"initech", "Initech", {}}}, {}, {}, routing{}, team_identity{}};
    REQUIRE(store->add_customers(other).has_value());
    CHECK(raw.first_row("SELECT group_concat(id, ',') FROM (SELECT id FROM customers ORDER BY id)") ==
          "acme,globex,initech");
    CHECK(raw.integer("SELECT count(*) FROM channels") == 3);
    CHECK(raw.integer("SELECT count(*) FROM people") == 3);
    REQUIRE(store->add_customers(bot::directory{}).has_value());
    CHECK(raw.integer("SELECT count(*) FROM customers") == 3);
    // The server's customers still take cases.
    CHECK(store->commit(opening(basic_case(1, "globex"))).has_value());
}

// ---- processes and threads

TEST_CASE("a case written by one process is read by another")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    {
        auto setup = open_store(path);
        REQUIRE(setup->sync_directory(sample_directory()).has_value());
    }  // closed before fork: a connection must not cross it

    pid_t const child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // The child reports through its exit status only; doctest belongs to the parent.
        auto opened = sqlite_store::open(path);
        if (!opened)
            ::_exit(2);
        auto const id = (*opened)->allocate_case_id();
        if (!id)
            ::_exit(3);
        auto c = full_case(*id);
        auto const saved = (*opened)->commit(opening(c));
        opened->reset();
        ::_exit(saved ? 0 : 4);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    auto store = open_store(path);
    CHECK(found(*store, 1) == full_case(1));
    CHECK(store->history(1).value().size() == 1);
    CHECK(store->pending(wall_time::max(), 10).value().size() == 1);
    CHECK(store->allocate_case_id().value() == 2);
}

TEST_CASE("one store serves several threads at once")
{
    temp_dir dir;
    auto store = open_store(dir.file("casebot.db"));
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    constexpr int threads = 4;
    constexpr int per_thread = 25;
    std::vector<int> failures(threads, 0);
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i) {
                    auto const id = store->allocate_case_id();
                    bool const ok = id && store->commit(opening(basic_case(*id))) && store->find(*id) &&
                                    store->find(*id).value().has_value() && store->pending(wall_time::max(), 5);
                    if (!ok)
                        ++failures[static_cast<std::size_t>(t)];
                }
            });
    }
    CHECK(std::count(failures.begin(), failures.end(), 0) == threads);
    CHECK(store->count_open_cases().value() == std::size_t{threads * per_thread});
}

TEST_CASE("writes from many threads at once each get their own result, as if each ran alone")
{
    // Concurrent writes share transactions (group commit); whatever groups form, a
    // conflict or a failure must stay with its own change. A RAISE(ROLLBACK) trigger
    // makes SQLite roll back a whole shared transaction, which the others must survive.
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    REQUIRE(store->commit(::opening(basic_case(1))).has_value());
    {
        raw_db raw{path};
        raw.must("CREATE TRIGGER fail_abort BEFORE INSERT ON cases WHEN NEW.title = 'abort' "
                 "BEGIN SELECT RAISE(ABORT, 'injected'); END");
        raw.must("CREATE TRIGGER fail_rollback BEFORE INSERT ON cases WHEN NEW.title = 'rollback' "
                 "BEGIN SELECT RAISE(ROLLBACK, 'injected'); END");
    }
    constexpr int threads = 8;
    constexpr int per_thread = 40;
    struct outcome {
        int opened = 0;
        int wrong = 0;  // any result other than the one expected for its kind
    };
    std::vector<outcome> outcomes(threads);
    std::vector<std::vector<case_id>> opened_ids(threads);
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                auto& out = outcomes[static_cast<std::size_t>(t)];
                for (int i = 0; i < per_thread; ++i) {
                    switch (i % 5) {
                    case 0: {  // a new case: committed
                        auto const id = store->allocate_case_id();
                        if (id && store->commit(::opening(basic_case(*id)))) {
                            ++out.opened;
                            opened_ids[static_cast<std::size_t>(t)].push_back(*id);
                        } else {
                            ++out.wrong;
                        }
                        break;
                    }
                    case 1: {  // a number already taken: a conflict
                        auto const saved = store->commit(::opening(basic_case(1)));
                        out.wrong += saved || saved.error() != errc::conflict;
                        break;
                    }
                    case 2:
                    case 3: {  // refused by a trigger: storage_failed, nothing written
                        auto c = basic_case(1000 + t * per_thread + i);
                        c.title = i % 5 == 2 ? "abort" : "rollback";
                        auto const saved = store->commit(::opening(c));
                        out.wrong += saved || saved.error() != errc::storage_failed;
                        break;
                    }
                    default: {  // an event key, new each time
                        auto const key = "slack:Ev" + std::to_string(t) + "-" + std::to_string(i);
                        auto const recorded = store->record_event(key, utc("2025-03-03T16:00:00Z"));
                        out.wrong += !recorded || !*recorded;
                        break;
                    }
                    }
                }
            });
    }
    int opened = 0;
    std::set<case_id> ids{1};
    for (int t = 0; t < threads; ++t) {
        CAPTURE(t);
        CHECK(outcomes[static_cast<std::size_t>(t)].wrong == 0);
        opened += outcomes[static_cast<std::size_t>(t)].opened;
        ids.insert(opened_ids[static_cast<std::size_t>(t)].begin(), opened_ids[static_cast<std::size_t>(t)].end());
    }
    CHECK(opened == threads * per_thread / 5);
    CHECK(ids.size() == static_cast<std::size_t>(opened) + 1);  // every number handed out once
    raw_db raw{path};
    CHECK(raw.integer("SELECT count(*) FROM cases") == opened + 1);
    CHECK(raw.integer("SELECT count(*) FROM cases WHERE title IN ('abort', 'rollback')") == 0);
    CHECK(raw.integer("SELECT count(*) FROM case_events") == opened + 1);
    CHECK(raw.integer("SELECT count(*) FROM outbox") == opened + 1);
    CHECK(raw.integer("SELECT count(*) FROM processed_events") == threads * per_thread / 5);
}

TEST_CASE("reads do not wait for a write that is waiting for the database")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    REQUIRE(store->commit(::opening(basic_case(1))).has_value());
    raw_db raw{path};
    raw.must("BEGIN IMMEDIATE");
    std::atomic<bool> write_done{false};
    std::jthread writer{[&] {
        (void)store->commit(::opening(basic_case(2)));  // waits for the lock raw holds
        write_done = true;
    }};
    int reads = 0;
    for (int i = 0; i < 200; ++i)
        reads += store->find(1).value().has_value() && store->pending(wall_time::max(), 10).has_value();
    CHECK(reads == 200);
    CHECK_FALSE(write_done.load());  // the reads did not queue behind it
    raw.must("ROLLBACK");
    writer.join();
    CHECK(store->find(2).value().has_value());
}

TEST_CASE("a user's team is rewritten only when it changes or its sighting is an hour old")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    raw_db raw{path};
    auto const t0 = utc("2025-03-03T15:00:00Z");
    auto seen_at = [&] { return raw.integer("SELECT seen_at FROM chat_users WHERE user = 'U-BOB'"); };
    CHECK_FALSE(store->remembers_user_team(platform::slack, "U-BOB", "T-ACME", t0));
    REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-ACME", t0).has_value());
    CHECK(seen_at() == t0.time_since_epoch().count());
    // What memory alone can tell: a recent sighting on the same team needs no write.
    CHECK(store->remembers_user_team(platform::slack, "U-BOB", "T-ACME", t0 + std::chrono::minutes{59}));
    CHECK_FALSE(store->remembers_user_team(platform::slack, "U-BOB", "T-NEW", t0 + std::chrono::minutes{59}));
    CHECK_FALSE(store->remembers_user_team(platform::slack, "U-BOB", "T-ACME", t0 + std::chrono::minutes{60}));
    CHECK_FALSE(store->remembers_user_team(platform::teams, "U-BOB", "T-ACME", t0));
    REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-ACME", t0 + std::chrono::minutes{59}).has_value());
    CHECK(seen_at() == t0.time_since_epoch().count());
    REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-ACME", t0 + std::chrono::minutes{60}).has_value());
    CHECK(seen_at() == (t0 + std::chrono::minutes{60}).time_since_epoch().count());
    REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-NEW", t0 + std::chrono::minutes{61}).has_value());
    CHECK(store->user_team(platform::slack, "U-BOB").value() == "T-NEW");
    CHECK(seen_at() == (t0 + std::chrono::minutes{61}).time_since_epoch().count());
}

TEST_CASE("a database locked by another writer past the busy timeout is reported as busy")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    raw_db raw{path};
    raw.must("BEGIN IMMEDIATE");
    auto const saved = store->commit(opening(basic_case(1)));  // waits the 5 s busy timeout
    REQUIRE_FALSE(saved.has_value());
    CHECK(saved.error() == errc::storage_busy);
    raw.must("ROLLBACK");
    CHECK(store->commit(opening(basic_case(1))).has_value());
}

// ---- migrations

// Data an older casebot could have written at schema version `v`, through that version's tables.
void seed_version(raw_db& raw, int v)
{
    switch (v) {
    case 1:
        raw.must("INSERT INTO customers (id, name) VALUES ('acme', 'Acme Corp')");
        raw.must("INSERT INTO cases (id, customer, origin_platform, origin_channel, origin_thread, card_ref, title, "
                 "description, category, severity, state, opened_by, assignee, assignee_name, created_at, "
                 "responded_at, paused_business, initial_anchor, initial_due, initial_reminded, status_anchor, "
                 "status_due, request_severity, request_by, request_reason, request_at, next_alarm_at, version) "
                 "VALUES (7, 'acme', 'slack', 'C-ACME', '100.1', '100.2', 'Old case', 'from v1', 'error', 'normal', "
                 "'responded', 'bob', 'ana', 'Ana Agent', 1741014000, 1741014600, 30, 1741014000, 1741028400, 1, "
                 "1741014600, 1741619400, 'critical', 'bob', 'urgent', 1741015000, 1741618500, 3)");
        raw.must("INSERT INTO case_events (case_id, at, actor, what, detail) "
                 "VALUES (7, 1741014000, 'bob', 'opened', 'Old case')");
        raw.must("INSERT INTO outbox (case_id, kind, platform, channel, thread, case_thread, direct, text, mentions, "
                 "state, created_at, attempts, next_attempt_at) VALUES (7, 'reminder', 'slack', 'C-ACME', '100.1', 1, "
                 "0, 'Reminder', '[{\"id\":\"U-ANA\",\"name\":\"Ana\",\"group\":false}]', 'pending', 1741618500, 2, "
                 "1741618600)");
        raw.must("UPDATE case_numbers SET last = 7");
        return;
    case 2:
        raw.must("INSERT INTO contacts (customer_id, address, name, added_by, added_at) "
                 "VALUES ('acme', 'ops@acme.example', 'Ops', 'bob', 1741014000)");
        return;
    case 3:
        raw.must("INSERT INTO processed_events (key, seen_at) VALUES ('slack:Ev1', 1741014000)");
        raw.must("INSERT INTO seen_messages (platform, channel, ts, user, team, text, at) "
                 "VALUES ('slack', 'C-ACME', '200.1', 'U-BOB', 'T-ACME', 'Is the export down?', 1741014000)");
        raw.must("INSERT INTO chat_users (platform, user, team, seen_at) VALUES ('slack', 'U-BOB', 'T-ACME', 1741014000)");
        raw.must("UPDATE outbox SET only_for = 'U-BOB'");
        return;
    case 4:   // an index only: nothing new to seed
    case 6:   // indexes only
    case 7:   // indexes only
    case 10:  // indexes only
        return;
    case 8:
        raw.must("UPDATE outbox SET in_doubt_since = 1741618550");
        return;
    case 9:
        raw.must("UPDATE cases SET declined_while_waiting = 1 WHERE id = 7");
        return;
    case 5:
        raw.must("INSERT INTO conversation_refs (platform, channel, service_url, conversation_id, tenant_id, seen_at) "
                 "VALUES ('teams', '19:globex', 'https://smba.example/amer/', '19:globex', 'tenant-g', 1741014000)");
        return;
    default:
        FAIL("no seed data for schema version " << v << ": add some with the migration");
    }
}

// Checks, through the current API, what seed_version(1…v) wrote.
void check_seeded(sqlite_store& store, int v)
{
    if (v >= 1) {
        auto const c = found(store, 7);
        CHECK(c.title == "Old case");
        CHECK(c.origin == case_origin{platform::slack, "C-ACME", "100.1"});
        CHECK(c.card_ref == "100.2");
        CHECK(c.state == case_state::responded);
        CHECK(c.responded_at == bot::wall_time{seconds{1741014600}});
        CHECK(c.paused_business == seconds{30});
        CHECK(c.initial.reminded);
        CHECK(c.status.due == bot::wall_time{seconds{1741619400}});
        REQUIRE(c.pending_request.has_value());
        CHECK(c.pending_request->level == severity::critical);
        CHECK(c.next_alarm_at == bot::wall_time{seconds{1741618500}});
        CHECK(c.version == 3);
        CHECK(c.declined_while_waiting == (v >= 9));   // older cases were never marked
        CHECK(store.history(7).value().size() == 1);
        auto const queued = store.pending(wall_time::max(), 10).value();
        REQUIRE(queued.size() == 1);
        CHECK(queued[0].attempts == 2);
        CHECK(queued[0].in_doubt_since.has_value() == (v >= 8));
        CHECK(queued[0].message.mentions == std::vector<mention>{{"U-ANA", "Ana", false}});
        CHECK(ids_of(store.due_cases(wall_time::max(), 10).value()) == std::vector<case_id>{7});
        CHECK(store.find_by_thread(platform::slack, "C-ACME", "100.2").value()->id == 7);
        // The look-ups pinned to partial indexes (migrations 6 and 7) and the delivery
        // worker's channel heads, on a database brought up from this version.
        CHECK(ids_of(store.list({list_scope::mine, std::nullopt, "ana", 10}).value()) == std::vector<case_id>{7});
        CHECK(ids_of(store.list({list_scope::mine, std::string{"acme"}, "bob", 10}).value()) ==
              std::vector<case_id>{7});
        CHECK(store.channel_heads(5).value().size() == 1);
        CHECK(store.allocate_case_id().value() == 8);
    }
    if (v >= 2)
        CHECK(store.contacts("acme").value().size() == 1);
    if (v >= 3) {
        CHECK_FALSE(store.record_event("slack:Ev1", utc("2025-03-03T15:00:00Z")).value());
        CHECK(store.find_message(platform::slack, "C-ACME", "200.1").value()->text == "Is the export down?");
        CHECK(store.user_team(platform::slack, "U-BOB").value() == "T-ACME");
        CHECK(store.pending(wall_time::max(), 10).value().at(0).message.to.only_for == "U-BOB");
    }
    if (v >= 8)
        CHECK(store.pending(wall_time::max(), 10).value().at(0).in_doubt_since == wall_time{seconds{1741618550}});
    if (v >= 5) {
        auto const ref = store.find_conversation(platform::teams, "19:globex").value();
        REQUIRE(ref.has_value());
        CHECK(ref->service_url == "https://smba.example/amer/");
        CHECK(ref->tenant_id == "tenant-g");
    }
}

// How many times SQLite's program for `sql` opens a temporary b-tree (EXPLAIN's
// OpenEphemeral): each costs a fresh in-memory database every time the statement runs.
int temporary_tables(const std::string& path, const std::string& sql)
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(db, ("EXPLAIN " + sql).c_str(), -1, &st, nullptr) == SQLITE_OK);
    int count = 0;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (std::string_view{reinterpret_cast<const char*>(sqlite3_column_text(st, 1))} == "OpenEphemeral")
            ++count;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return count;
}

TEST_CASE("writing a case or a message tests every partial index in place, without a temporary table")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    REQUIRE(sqlite_store::migrate(path));
    CHECK(temporary_tables(path, "INSERT INTO cases (id, state, assignee, opened_by) VALUES (1, 'open', 'a', 'b')") == 0);
    CHECK(temporary_tables(path, "UPDATE cases SET state = 'waiting', assignee = 'a', opened_by = 'b' WHERE id = 1") ==
          0);
    CHECK(temporary_tables(path, "INSERT INTO outbox (id, state) VALUES (1, 'pending')") == 0);
    CHECK(temporary_tables(path, "UPDATE outbox SET state = 'delivered' WHERE id = 1") == 0);
}

TEST_CASE("a new database file is created at the latest schema, in WAL mode")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto const latest = sqlite_store::latest_schema_version();
    CHECK(latest >= 2);
    CHECK(sqlite_store::migrate(path).value() == latest);
    CHECK(sqlite_store::migrate(path).value() == latest);  // a second run has nothing to do
    auto store = open_store(path);
    CHECK(store->schema_version() == latest);
    raw_db raw{path};
    CHECK(raw.integer("PRAGMA user_version") == latest);
    CHECK(raw.first_row("PRAGMA journal_mode") == "wal");
    CHECK(raw.integer("SELECT count(*) FROM sqlite_schema WHERE name = 'cases_by_next_alarm'") == 1);

    SUBCASE("an in-memory database is at the latest schema too")
    {
        CHECK(open_store(":memory:")->schema_version() == latest);
    }
}

TEST_CASE("a database from each earlier schema version migrates with its data intact")
{
    auto const latest = sqlite_store::latest_schema_version();
    for (int from = 0; from < latest; ++from) {
        CAPTURE(from);
        temp_dir dir;
        auto const path = dir.file("old.db");
        REQUIRE(sqlite_store::migrate_to(path, from).value() == from);
        {
            raw_db raw{path};
            REQUIRE(raw.integer("PRAGMA user_version") == from);
            raw.must("PRAGMA foreign_keys = ON");
            for (int v = 1; v <= from; ++v)
                seed_version(raw, v);
        }
        auto store = open_store(path);
        CHECK(store->schema_version() == latest);
        check_seeded(*store, from);
        // The migrated database takes new data as a fresh one would.
        REQUIRE(store->sync_directory(sample_directory()).has_value());
        REQUIRE(store->commit(opening(basic_case(100))).has_value());
        CHECK(found(*store, 100) == basic_case(100));
        CHECK(store->add_contact({"globex", "it@globex.example", "IT", "lee", {}}).value());
    }
}

TEST_CASE("a database written by a newer casebot is refused and left alone")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    REQUIRE(sqlite_store::migrate(path).has_value());
    auto const newer = sqlite_store::latest_schema_version() + 1;
    {
        raw_db raw{path};
        raw.must("PRAGMA user_version = " + std::to_string(newer));
    }
    auto const opened = sqlite_store::open(path);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error() == errc::schema_too_new);
    auto const migrated = sqlite_store::migrate(path);
    REQUIRE_FALSE(migrated.has_value());
    CHECK(migrated.error() == errc::schema_too_new);
    raw_db raw{path};
    CHECK(raw.integer("PRAGMA user_version") == newer);
}

TEST_CASE("a migration that fails leaves the database at the version before it")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    REQUIRE(sqlite_store::migrate_to(path, 1).value() == 1);
    {
        raw_db raw{path};
        seed_version(raw, 1);
        // Something the next migration creates is already there: migration 2 cannot run.
        raw.must("CREATE TABLE contacts (x)");
    }
    auto const opened = sqlite_store::open(path);
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error() == errc::storage_failed);
    raw_db raw{path};
    CHECK(raw.integer("PRAGMA user_version") == 1);
    CHECK(raw.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'cases_by_%'") == 0);
    CHECK(raw.integer("SELECT count(*) FROM cases") == 1);
}

}  // namespace

// ---- chat memory and event deduplication

TEST_CASE("a change carrying an event key is written once and its retry changes nothing")
{
    auto store = memory_store();
    auto first = ::opening(basic_case(1));
    first.dedupe_key = "slack:Ev42";
    REQUIRE(store->commit(first).has_value());

    auto retry = ::opening(basic_case(2));
    retry.dedupe_key = "slack:Ev42";
    auto const again = store->commit(retry);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error() == errc::duplicate);
    CHECK_FALSE(store->find(2).value().has_value());
    CHECK(store->pending(wall_time::max(), 10).value().size() == 1);
    // The key is known to record_event too, and old keys can be forgotten.
    CHECK_FALSE(store->record_event("slack:Ev42", utc("2025-03-03T16:00:00Z")).value());
    CHECK(store->record_event("slack:Ev43", utc("2025-03-03T16:00:00Z")).value());
    REQUIRE(store->forget_events_before(utc("2025-03-04T00:00:00Z")).has_value());
    CHECK(store->record_event("slack:Ev42", utc("2025-03-04T01:00:00Z")).value());
}

TEST_CASE("seen messages and users' teams are remembered and forgotten")
{
    auto store = memory_store();
    seen_message m{platform::slack, "C-ACME", "300.5", "U-BOB", "T-ACME", "The export hangs", utc("2025-03-03T15:00:00Z")};
    REQUIRE(store->remember_message(m).has_value());
    auto const got = store->find_message(platform::slack, "C-ACME", "300.5").value();
    REQUIRE(got.has_value());
    CHECK(got->user == "U-BOB");
    CHECK(got->team == "T-ACME");
    CHECK(got->text == "The export hangs");
    CHECK(got->at == m.at);
    CHECK_FALSE(store->find_message(platform::slack, "C-OTHER", "300.5").value().has_value());
    REQUIRE(store->forget_messages_before(utc("2025-03-04T00:00:00Z")).has_value());
    CHECK_FALSE(store->find_message(platform::slack, "C-ACME", "300.5").value().has_value());

    CHECK_FALSE(store->user_team(platform::slack, "U-BOB").value().has_value());
    REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-ACME", m.at).has_value());
    REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-NEW", m.at).has_value());
    CHECK(store->user_team(platform::slack, "U-BOB").value() == "T-NEW");
    CHECK_FALSE(store->user_team(platform::teams, "U-BOB").value().has_value());
}

TEST_CASE("a message shown to one user keeps its recipient through the outbox")
{
    auto store = memory_store();
    auto change = ::opening(basic_case(1));
    change.messages[0].to.only_for = "U-BOB";
    REQUIRE(store->commit(change).has_value());
    CHECK(store->pending(wall_time::max(), 10).value().at(0).message.to.only_for == "U-BOB");
}

TEST_CASE("channel heads are each channel's oldest pending messages, oldest first")
{
    auto store = memory_store();
    auto queue = [&](platform where, std::string channel, std::string text) {
        outbound_message m;
        m.kind = "reply";
        m.to = destination{where, std::move(channel), "", false, false, {}};
        m.text = std::move(text);
        REQUIRE(store->enqueue(std::span{&m, 1}, "").has_value());
    };
    queue(platform::slack, "C1", "c1 first");
    queue(platform::slack, "C2", "c2 first");
    queue(platform::slack, "C1", "c1 second");
    queue(platform::teams, "C1", "teams c1");   // the same id on another platform: another channel
    queue(platform::slack, "C1", "c1 third");
    queue(platform::slack, "C2", "c2 second");

    auto texts = [](const std::vector<outbox_entry>& entries) {
        std::vector<std::string> out;
        for (auto const& e : entries)
            out.push_back(e.message.text);
        return out;
    };
    using v = std::vector<std::string>;
    CHECK(texts(store->channel_heads(2).value()) == v{"c1 first", "c2 first", "c1 second", "teams c1", "c2 second"});
    CHECK(texts(store->channel_heads(1).value()) == v{"c1 first", "c2 first", "teams c1"});

    // Delivered or failed messages leave the heads; the next ones move up.
    auto const all = store->pending(wall_time::max(), 10).value();
    REQUIRE(store->delivered(all[0].message.id, utc("2025-03-03T15:00:00Z"), "1.1").has_value());
    REQUIRE(store->failed(all[1].message.id, utc("2025-03-03T15:00:00Z"), "channel_not_found").has_value());
    CHECK(texts(store->channel_heads(1).value()) == v{"c1 second", "teams c1", "c2 second"});
    CHECK(store->channel_heads(0).value().empty());
}

TEST_CASE("a Teams channel's conversation reference is remembered and replaced")
{
    auto store = memory_store();
    CHECK_FALSE(store->find_conversation(platform::teams, "19:globex").value().has_value());
    conversation_ref ref{"https://smba.example/amer/", "19:globex", "tenant-g", utc("2025-03-03T15:00:00Z")};
    REQUIRE(store->remember_conversation(platform::teams, "19:globex", ref).has_value());
    ref.service_url = "https://smba.example/emea/";
    REQUIRE(store->remember_conversation(platform::teams, "19:globex", ref).has_value());
    auto const got = store->find_conversation(platform::teams, "19:globex").value();
    REQUIRE(got.has_value());
    CHECK(got->service_url == "https://smba.example/emea/");
    CHECK(got->conversation_id == "19:globex");
    CHECK_FALSE(store->find_conversation(platform::slack, "19:globex").value().has_value());
}

TEST_CASE("a tenant's most recently seen conversation is found, and no other tenant's")
{
    auto store = memory_store();
    CHECK_FALSE(store->any_conversation_in(platform::teams, "tenant-v").value().has_value());
    auto const at = utc("2025-03-03T15:00:00Z");
    REQUIRE(store->remember_conversation(platform::teams, "19:agents", {"https://smba.example/amer/", "19:agents",
                                                                        "tenant-v", at})
                .has_value());
    REQUIRE(store->remember_conversation(platform::teams, "19:leads", {"https://smba.example/emea/", "19:leads",
                                                                       "tenant-v", at + seconds{60}})
                .has_value());
    REQUIRE(store->remember_conversation(platform::teams, "19:globex", {"https://smba.example/apac/", "19:globex",
                                                                        "tenant-g", at + seconds{120}})
                .has_value());
    auto const got = store->any_conversation_in(platform::teams, "tenant-v").value();
    REQUIRE(got.has_value());
    CHECK(got->conversation_id == "19:leads");
    CHECK(got->service_url == "https://smba.example/emea/");
    CHECK_FALSE(store->any_conversation_in(platform::slack, "tenant-v").value().has_value());
    CHECK_FALSE(store->any_conversation_in(platform::teams, "tenant-x").value().has_value());
}

// ---- batches

TEST_CASE("a batch's writes are read back inside it, commit together, and a conflict fails alone")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    auto other = open_store(path);   // another process: sees only what has committed

    std::vector<case_id> ids;
    result<void> stale = {};
    bool seen_inside = false;
    std::optional<case_record> outside_during;
    auto const done = store->run_batch([&] {
        for (int i = 0; i < 3; ++i) {
            auto const id = store->allocate_case_id();
            REQUIRE(id.has_value());
            ids.push_back(*id);
            REQUIRE(store->commit(::opening(basic_case(*id))).has_value());
        }
        // The batch reads its own writes, on its own thread…
        seen_inside = store->find(ids[1]).value().has_value();
        auto const before = found(*store, ids[0]);
        REQUIRE(store->commit(update(before, before, utc("2025-03-03T16:00:00Z"))).has_value());
        stale = store->commit(update(before, before, utc("2025-03-03T16:05:00Z")));   // version 1 is gone
        // …while nobody else sees them before the commit.
        outside_during = other->find(ids[0]).value();
    });
    REQUIRE(done.has_value());
    CHECK(ids == std::vector<case_id>{1, 2, 3});
    CHECK(seen_inside);
    CHECK_FALSE(outside_during.has_value());
    REQUIRE_FALSE(stale.has_value());
    CHECK(stale.error() == errc::conflict);
    CHECK(found(*other, ids[0]).version == 2);
    CHECK(other->history(ids[0]).value().size() == 2);   // opened and claimed once
    CHECK(found(*other, ids[2]).title == "Export #3 fails");

    // The block of numbers the batch reserved and did not use went back to the counter.
    CHECK(other->allocate_case_id().value() == 4);
}

TEST_CASE("a batch that cannot commit leaves nothing behind, and the store carries on")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());

    SUBCASE("the transaction is lost half-way: later writes of the batch fail, nothing commits")
    {
        // A trigger rolls the whole transaction back, as SQLite does by itself after
        // SQLITE_FULL or SQLITE_IOERR.
        raw_db raw{path};
        raw.must("CREATE TRIGGER lose_all AFTER INSERT ON case_events WHEN NEW.what = 'doomed' "
                 "BEGIN SELECT RAISE(ROLLBACK, 'lost'); END");
        result<void> after_loss = {};
        auto const done = store->run_batch([&] {
            REQUIRE(store->commit(::opening(basic_case(1))).has_value());
            auto doomed = ::opening(basic_case(2));
            doomed.events.front().what = "doomed";
            CHECK_FALSE(store->commit(doomed).has_value());
            after_loss = store->commit(::opening(basic_case(3)));
        });
        CHECK_FALSE(done.has_value());
        CHECK_FALSE(after_loss.has_value());
        raw.must("DROP TRIGGER lose_all");
        CHECK(raw.integer("SELECT count(*) FROM cases") == 0);
    }
    SUBCASE("the batch throws: it rolls back and the exception reaches the caller")
    {
        CHECK_THROWS_AS(store->run_batch([&] {
            REQUIRE(store->commit(::opening(basic_case(1))).has_value());
            throw std::runtime_error("a bug in a command");
        }),
                        std::runtime_error);
        CHECK_FALSE(store->find(1).value().has_value());
    }
    // Either way the store is usable, and numbers are not handed out twice.
    auto const id = store->allocate_case_id();
    REQUIRE(id.has_value());
    CHECK(store->commit(::opening(basic_case(*id))).has_value());
    CHECK(found(*store, *id).id == *id);
}

TEST_CASE("a batch on an in-memory store, nested batches, and other threads' writes waiting for it")
{
    auto store = memory_store();
    std::thread writer;
    std::atomic<bool> written{false};
    auto const done = store->run_batch([&] {
        REQUIRE(store->commit(::opening(basic_case(1))).has_value());
        // A batch inside the batch is part of it.
        REQUIRE(store->run_batch([&] { REQUIRE(store->commit(::opening(basic_case(2))).has_value()); }).has_value());
        CHECK(store->find(2).value().has_value());
        writer = std::thread([&] {
            auto const saved = store->commit(::opening(basic_case(3)));   // waits for the batch
            written = saved.has_value();
        });
        std::this_thread::yield();
        CHECK_FALSE(written.load());
    });
    writer.join();
    REQUIRE(done.has_value());
    CHECK(written.load());
    CHECK(ids_of(store->list({list_scope::all, std::nullopt, "", 10}).value()) == std::vector<case_id>{1, 2, 3});
}

TEST_CASE("a user's team changed inside a batch is never answered from a stale memory")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    auto const t0 = utc("2025-03-03T15:00:00Z");
    auto const team = [&] { return store->user_team(platform::slack, "U-BOB").value(); };
    REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-ACME", t0).has_value());   // remembered

    SUBCASE("a batch that commits another team: the next sighting of the old team writes again")
    {
        REQUIRE(store->run_batch([&] {
                         REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-GRID", t0 + seconds{10}));
                     }).has_value());
        CHECK(team() == "T-GRID");
        REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-ACME", t0 + seconds{20}).has_value());
        CHECK(team() == "T-ACME");
    }
    SUBCASE("a batch that rolls back: what it wrote and read is not remembered")
    {
        raw_db raw{path};
        raw.must("DELETE FROM chat_users");   // as if never seen: the next sighting must write
        CHECK_THROWS_AS(store->run_batch([&] {
            REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-GRID", t0 + seconds{10}));
            REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-GRID", t0 + seconds{11}));  // reads it
            throw std::runtime_error("the batch is lost");
        }),
                        std::runtime_error);
        REQUIRE(store->remember_user_team(platform::slack, "U-BOB", "T-GRID", t0 + seconds{12}).has_value());
        CHECK(team() == "T-GRID");   // written now: the lost batch's sighting was not trusted
    }
}

TEST_CASE("a batch that finds the database locked answers every write busy at once, and stores nothing")
{
    temp_dir dir;
    auto const path = dir.file("casebot.db");
    auto store = open_store(path);
    REQUIRE(store->sync_directory(sample_directory()).has_value());
    REQUIRE(store->commit(::opening(basic_case(1))).has_value());
    raw_db raw{path};
    raw.must("BEGIN IMMEDIATE");
    std::vector<result<void>> writes;
    bool read_ok = false;
    auto const done = store->run_batch([&] {   // waits the 5 s busy timeout once, to begin
        writes.push_back(store->commit(::opening(basic_case(2))));
        writes.push_back(store->commit(::opening(basic_case(3))));
        read_ok = store->find(1).value().has_value();   // reads still see the last commit
    });
    raw.must("ROLLBACK");
    REQUIRE_FALSE(done.has_value());
    CHECK(done.error() == errc::storage_busy);
    REQUIRE(writes.size() == 2);
    for (auto const& w : writes) {
        REQUIRE_FALSE(w.has_value());
        CHECK(w.error() == errc::storage_busy);
    }
    CHECK(read_ok);
    CHECK(store->count_open_cases().value() == 1);
    CHECK(store->commit(::opening(basic_case(2))).has_value());   // and the store carries on
}

TEST_CASE("a batch of one store inside a batch of another keeps each store's writes in its own")
{
    auto first = memory_store();
    auto second = memory_store();
    auto const done = first->run_batch([&] {
        REQUIRE(first->commit(::opening(basic_case(1))).has_value());
        REQUIRE(second->run_batch([&] { REQUIRE(second->commit(::opening(basic_case(7))).has_value()); }));
        REQUIRE(first->commit(::opening(basic_case(2))).has_value());   // back in the first batch
    });
    REQUIRE(done.has_value());
    CHECK(ids_of(first->list({list_scope::all, std::nullopt, "", 10}).value()) == std::vector<case_id>{1, 2});
    CHECK(ids_of(second->list({list_scope::all, std::nullopt, "", 10}).value()) == std::vector<case_id>{7});
}
