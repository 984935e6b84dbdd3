#include "webhooks/slack_render.hpp"

#include "support/sample_world.hpp"
#include "support/test_time.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace bot;
using namespace bot::webhooks;
using bot::test::utc;
namespace json = boost::json;

namespace {
case_record sample_case()
{
    case_record c;
    c.id = 42;
    c.customer = "acme";
    c.origin = {platform::slack, "C0ACME", "1700000000.000100"};
    c.title = "Invoices <!channel> & totals";
    c.kind = category::error;
    c.level = severity::critical;
    c.created_at = utc("2026-03-09T13:00:00Z");
    c.initial.anchor = c.created_at;
    c.initial.due = utc("2026-03-09T14:00:00Z");
    return c;
}

std::string all_text(const json::value& v)
{
    return json::serialize(v);
}
}  // namespace

TEST_CASE("user text cannot ping the channel: &, < and > are escaped")
{
    CHECK(escape_mrkdwn("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;");
    outbound_message m;
    m.text = "Title <!here>";
    m.mentions = {{"U0ANA", "Ana", false}, {"S0AGENTS", "agents", true}};
    CHECK(slack_text(m) == "<@U0ANA> <!subteam^S0AGENTS> Title &lt;!here&gt;");
}

TEST_CASE("people, channels and links in someone's words stay Slack markup, special mentions do not")
{
    CHECK(escape_mrkdwn_keeping_links("<@U0CAROL> could you check <#C0QA|acme-qa> and <https://status.example|our "
                                      "status page>?") ==
          "<@U0CAROL> could you check <#C0QA|acme-qa> and <https://status.example|our status page>?");
    CHECK(escape_mrkdwn_keeping_links("<!channel> <!here> <!subteam^S1|@all> & <mailto:a@b.example>") ==
          "&lt;!channel&gt; &lt;!here&gt; &lt;!subteam^S1|@all&gt; &amp; <mailto:a@b.example>");
    // Typed angle brackets, an unfinished one, and one that spans a line are text.
    CHECK(escape_mrkdwn_keeping_links("totals < 0 > expected <@U1") == "totals &lt; 0 &gt; expected &lt;@U1");
    CHECK(escape_mrkdwn_keeping_links("`reopen 5 <reason>` <@U1\n>") == "`reopen 5 &lt;reason&gt;` &lt;@U1\n&gt;");
    CHECK(escape_mrkdwn_keeping_links("<<@U1>>") == "&lt;<@U1>&gt;");
    outbound_message m;
    m.text = "Ana needs more information on #1: <@U0CAROL> see <https://status.example|status> <!channel>";
    CHECK(slack_text(m) ==
          "Ana needs more information on #1: <@U0CAROL> see <https://status.example|status> &lt;!channel&gt;");
}

TEST_CASE("long text goes out as several sections, split between lines, none over Slack's limit")
{
    commands::reply r;
    for (int i = 1; i <= 50; ++i)
        r.text += fmt::format("#{} {}\n", i, std::string(150, 'x'));
    r.text += "the end";
    auto const answer = slack_reply(r);
    auto const& blocks = answer.at("blocks").as_array();
    CHECK(blocks.size() > 1);
    CHECK(blocks.size() <= 50);
    std::string shown;
    for (auto const& b : blocks) {
        auto const& text = b.at("text").at("text").as_string();
        CHECK(text.size() <= 3000);
        shown += std::string{text} + "\n";
    }
    CHECK(shown.find("#50 ") != std::string::npos);   // every line, none cut away
    CHECK(shown.find("the end") != std::string::npos);
}

TEST_CASE("a cut never splits an entity that escaping made")
{
    commands::reply r;
    r.text = "Amp " + std::string(4000, '&');   // 4 bytes first: cuts at 2,900 fall inside entities
    auto const answer = slack_reply(r);
    for (auto const& b : answer.at("blocks").as_array()) {
        std::string const text{b.at("text").at("text").as_string()};
        CHECK(text.size() <= 3000);
        auto const last = text.rfind('&');
        REQUIRE(last != std::string::npos);
        CHECK(text.substr(last, 5) == "&amp;");   // the last entity is whole
    }
    std::string const fallback{answer.at("text").as_string()};
    auto const cut = fallback.rfind('&');
    CHECK(fallback.substr(cut, 5) == "&amp;");
}

TEST_CASE("the case card shows the case and offers the actions its state allows")
{
    auto const people = bot::test::sample_directory();
    auto c = sample_case();
    auto const blocks = case_card_blocks(c, utc("2026-03-09T13:10:00Z"), bot::test::default_program(), people);
    auto const text = all_text(blocks);
    // The header is plain_text, which Slack never parses for mentions: shown as typed.
    CHECK(blocks.at(0).at("text").at("type").as_string() == "plain_text");
    CHECK(blocks.at(0).at("text").at("text").as_string() == "#42 Invoices <!channel> & totals");
    CHECK(text.find("Mon 9 Mar 2026 10:00 EDT (running)") != std::string::npos);
    CHECK(text.find("\"case_claim\"") != std::string::npos);
    CHECK(text.find("\"case_ack\"") != std::string::npos);
    CHECK(text.find("\"case_resolve\"") != std::string::npos);
    CHECK(text.find("\"42:normal\"") != std::string::npos);
    CHECK(text.find("\"42:critical\"") == std::string::npos);   // already critical

    c.assignee = "ana";
    c.assignee_name = "Ana Alvarez";
    c.responded_at = utc("2026-03-09T13:05:00Z");
    c.state = case_state::responded;
    c.version = 2;
    auto const claimed = all_text(case_card_blocks(c, utc("2026-03-09T13:10:00Z"), bot::test::default_program(), people));
    // Each version of the card has its own actions block id, so Slack keeps no stale pick.
    CHECK(text.find("\"case_actions_v0\"") != std::string::npos);
    CHECK(claimed.find("\"case_actions_v2\"") != std::string::npos);
    CHECK(claimed.find("\"case_claim\"") == std::string::npos);
    CHECK(claimed.find("\"case_ack\"") == std::string::npos);
    CHECK(claimed.find("Ana Alvarez") != std::string::npos);

    c.state = case_state::closed;
    auto const closed = all_text(case_card_blocks(c, utc("2026-03-09T13:10:00Z"), bot::test::default_program(), people));
    CHECK(closed.find("\"actions\"") == std::string::npos);
}

TEST_CASE("a reply becomes an ephemeral slash-command answer with its fields")
{
    auto r = commands::reply::ok("Opened #1: <b>");
    r.fields = {{"Severity", "critical"}};
    auto const body = slack_reply(r);
    CHECK(body.at("response_type").as_string() == "ephemeral");
    CHECK(body.at("text").as_string() == "Opened #1: &lt;b&gt;");
    CHECK(all_text(body).find("*Severity*\\ncritical") != std::string::npos);
}

TEST_CASE("messages are posted in their thread and cards carry blocks")
{
    auto const people = bot::test::sample_directory();
    auto const c = sample_case();
    outbound_message m;
    m.kind = "reminder";
    m.to = destination{platform::slack, "C0ACME", "", true, false, {}};
    m.text = "Reminder";
    auto args = slack_post(m, "1700000000.000100", &c, utc("2026-03-09T13:45:00Z"), bot::test::default_program(), people);
    CHECK(args.at("channel").as_string() == "C0ACME");
    CHECK(args.at("thread_ts").as_string() == "1700000000.000100");
    CHECK(args.at("text").as_string() == "Reminder");
    CHECK_FALSE(args.contains("blocks"));

    // A new card shows the deadline as a field of its own, and keeps only the receipt's
    // notes that the fields do not already show.
    m.kind = "case_card";
    m.text = "Case #42 opened: …\nInitial response due: Mon 9 Mar 2026 10:00 EDT\nSupport is closed until Monday.";
    args = slack_post(m, "", &c, utc("2026-03-09T13:00:00Z"), bot::test::default_program(), people);
    CHECK_FALSE(args.contains("thread_ts"));
    REQUIRE(args.contains("blocks"));
    auto const card = all_text(args);
    CHECK(card.find("*Initial response*\\nMon 9 Mar 2026 10:00 EDT") != std::string::npos);
    CHECK(card.find("Support is closed until Monday.") != std::string::npos);
    CHECK(card.find("Initial response due:") == std::string::npos);
}

TEST_CASE("the modals carry what their submission needs")
{
    auto const modal = new_case_modal("C0ACME", "");
    CHECK(modal.at("callback_id").as_string() == "new_case");
    CHECK(modal.at("private_metadata").as_string() == R"({"channel":"C0ACME","thread":""})");
    auto const sev = severity_modal(42, severity::critical, "C0ACME");
    CHECK(sev.at("callback_id").as_string() == "severity_change");
    CHECK(all_text(sev).find("reason") != std::string::npos);
}

TEST_CASE("the words of refused blocks are a text of their own, one line each, controls left out")
{
    auto const blocks = json::parse(R"([
        {"type": "header", "text": {"type": "plain_text", "text": "#3 Export <fails> & stops"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "Support is closed now."}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Severity*\nnormal"},
                                       {"type": "mrkdwn", "text": "*Assignee*\nunclaimed"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Acme"}, {"type": "mrkdwn", "text": "Opened: Mon"}]},
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Claim"}}]},
        {"type": "divider"}
    ])").as_array();
    CHECK(plain_text_of(blocks) == "*#3 Export &lt;fails&gt; &amp; stops*\nSupport is closed now.\n*Severity*: normal\n"
                                   "*Assignee*: unclaimed\nAcme · Opened: Mon");
    CHECK(plain_text_of(json::array{}).empty());
    CHECK(plain_text_of(json::parse(R"([{"type": "actions", "elements": []}])").as_array()).empty());
}
