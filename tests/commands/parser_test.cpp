#include "commands/parser.hpp"

#include <doctest/doctest.h>

using namespace bot;
using namespace bot::commands;

namespace {
command ok(std::string_view text)
{
    auto parsed = parse_command(text);
    if (auto const* e = std::get_if<parse_error>(&parsed))
        FAIL("unexpected parse error: " << e->message);
    return std::get<command>(parsed);
}

parse_error bad(std::string_view text)
{
    auto parsed = parse_command(text);
    REQUIRE(std::holds_alternative<parse_error>(parsed));
    return std::get<parse_error>(parsed);
}
}  // namespace

TEST_CASE("new takes an optional severity and category in either order, then the title as typed")
{
    auto c = ok("new critical error  Invoices   fail to post");
    CHECK(c.what == verb::new_case);
    CHECK(c.level == severity::critical);
    CHECK(c.kind == category::error);
    CHECK(c.text == "Invoices   fail to post");

    c = ok("NEW question low How do I export?");
    CHECK(c.level == severity::low);
    CHECK(c.kind == category::question);
    CHECK(c.text == "How do I export?");

    c = ok("new Reports are slow");
    CHECK_FALSE(c.level);
    CHECK_FALSE(c.kind);
    CHECK(c.text == "Reports are slow");

    c = ok("new change-request Add a VAT field");
    CHECK(c.kind == category::change_request);

    // A word that looks like a severity after the title started belongs to the title.
    c = ok("new error critical low disk warning");
    CHECK(c.level == severity::critical);
    CHECK(c.text == "low disk warning");

    // Written as labels.
    c = ok("new Critical: orders are stuck");
    CHECK(c.level == severity::critical);
    CHECK(c.text == "orders are stuck");
    c = ok("new low, question: where is the audit log?");
    CHECK(c.level == severity::low);
    CHECK(c.kind == category::question);
    CHECK(c.text == "where is the audit log?");
}

TEST_CASE("case ids may be written with or without #")
{
    CHECK(ok("claim 42").id == 42);
    CHECK(ok("claim #42").id == 42);
    CHECK(ok("  show   #7  ").id == 7);
}

TEST_CASE("each command's arguments are read into the right fields")
{
    auto c = ok("severity #3 critical production is down");
    CHECK(c.level == severity::critical);
    CHECK(c.text == "production is down");
    c = ok("category 3 work-order");
    CHECK(c.kind == category::work_order);
    c = ok("assign 3 <@U0ANA>");
    CHECK(c.target == "<@U0ANA>");
    c = ok("list breached");
    CHECK(c.scope == list_scope::breached);
    CHECK(ok("list").scope == list_scope::open);
    c = ok("contacts add ops@acme.example Ops desk");
    CHECK(c.contacts == contacts_op::add);
    CHECK(c.target == "ops@acme.example");
    CHECK(c.text == "Ops desk");
    CHECK(ok("contacts").contacts == contacts_op::list);
    CHECK(ok("contacts remove ops@acme.example").contacts == contacts_op::remove);
    CHECK(ok("ack 5").text.empty());
    CHECK(ok("ack 5 on it").text == "on it");
    CHECK(ok("info 5 Which build?\nAnd which browser?").text == "Which build?\nAnd which browser?");
    CHECK(ok("help claim").target == "claim");
    CHECK(ok("reopen 5").text.empty());
    CHECK(ok("resolve 5 fixed in 4.2.2").text == "fixed in 4.2.2");
    CHECK(ok("approve 5").what == verb::approve);
    CHECK(ok("decline 5 a workaround exists").text == "a workaround exists");
    CHECK(ok("escalate 5 no answer for two days").what == verb::escalate);
    CHECK(ok("note 5 also fails in Firefox").what == verb::note);
    CHECK(ok("why 5").what == verb::why);
    CHECK(ok("sla").what == verb::sla);
    CHECK(ok("close 5").what == verb::close);
    CHECK(ok("update 5 patch ready").text == "patch ready");
}

TEST_CASE("mistakes get a sentence and the usage line")
{
    struct row {
        const char* text;
        const char* says;
        const char* usage;
    };
    const row rows[] = {
        {"claim", "Which case?", "claim <id>"},
        {"claim abc", "`abc` is not a case number.", "claim <id>"},
        {"claim 0", "`0` is not a case number.", "claim <id>"},
        {"claim -3", "`-3` is not a case number.", "claim <id>"},
        {"claim 99999999999999999999", "is not a case number", "claim <id>"},
        {"claim 4 5", "Unexpected `5`.", "claim <id>"},
        {"new", "Add a title", "new [critical|normal|low]"},
        {"new critical", "Add a title", "new [critical|normal|low]"},
        {"info 4", "Add your question", "info <id> <question>"},
        {"update 4", "Add the text of the update", "update <id> <text>"},
        {"severity 4", "Which severity", "severity <id>"},
        {"severity 4 urgent now", "`urgent` is not a severity", "severity <id>"},
        {"severity 4 critical", "Add a reason", "severity <id>"},
        {"category 4 bug", "`bug` is not a category", "category <id>"},
        {"category 4 error extra", "Unexpected `extra`", "category <id>"},
        {"assign 4", "Assign to whom?", "assign <id> <@user>"},
        {"escalate 4", "Add a reason", "escalate <id> <reason>"},
        {"decline 4", "Add a reason for the customer", "decline <id> <reason>"},
        {"list everything", "is not a list", "list [mine|open|breached|waiting|all]"},
        {"contacts purge", "use list, add or remove", "contacts [list]"},
        {"contacts add", "Which address?", "contacts [list]"},
        {"contacts remove a@b.example c", "Give only the address", "contacts [list]"},
        {"sla now", "Unexpected `now`", "sla"},
    };
    for (auto const& r : rows) {
        CAPTURE(r.text);
        auto const e = bad(r.text);
        CHECK(e.message.find(r.says) != std::string::npos);
        CHECK(e.usage_line.rfind(r.usage, 0) == 0);
    }
}

TEST_CASE("unknown and empty commands point to help")
{
    auto e = bad("frobnicate 3");
    CHECK(e.message.find("`frobnicate`") != std::string::npos);
    CHECK(e.message.find("help") != std::string::npos);
    CHECK(e.usage_line.empty());
    e = bad("   ");
    CHECK(e.message.find("help") != std::string::npos);
}

TEST_CASE("every verb has a name, a usage line and a summary, and round-trips")
{
    for (auto v : all_verbs) {
        CAPTURE(name_of(v));
        CHECK(parse_verb(name_of(v)) == v);
        CHECK(usage_of(v).rfind(name_of(v), 0) == 0);
        CHECK_FALSE(summary_of(v).empty());
    }
}
