#include "webhooks/slack_payloads.hpp"

#include "webhooks/form.hpp"

#include <doctest/doctest.h>

using namespace bot::webhooks;

TEST_CASE("a slash command form is decoded with its text intact")
{
    auto const c = decode_slash_command(
        "team_id=T0VENDOR&channel_id=C0ACME&user_id=U0ANA&command=%2Fcase&text=new+critical+error+50%25+of+"
        "invoices+fail+%26+more&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1&trigger_id=13.45");
    REQUIRE(c.value);
    CHECK(c.value->command == "/case");
    CHECK(c.value->text == "new critical error 50% of invoices fail & more");
    CHECK(c.value->response_url == "https://hooks.slack.com/commands/1");
    CHECK(c.value->trigger_id == "13.45");
}

TEST_CASE("the &, < and > people typed arrive as entities and are read back as typed")
{
    CHECK(slack_plain_text("a &lt; b &amp;&amp; c &gt; d") == "a < b && c > d");
    // Slack's own markup uses the bare characters and stays; an entity typed as text was
    // sent as &amp;lt; and comes back as typed.
    CHECK(slack_plain_text("<@U0LEA> see <https://x.example|docs> &amp;lt;") == "<@U0LEA> see <https://x.example|docs> &lt;");
    CHECK(slack_plain_text("&quot; &#39; & &am") == "&quot; &#39; & &am");
    auto const c = decode_slash_command("team_id=T0ACME&channel_id=C0ACME&user_id=U0CAROL&command=%2Fcase"
                                        "&text=new+low+question+Why+%26lt%3Btag%26gt%3B+%26amp%3B+more");
    REQUIRE(c.value);
    CHECK(c.value->text == "new low question Why <tag> & more");
    auto p = decode_events(R"({"type":"event_callback","team_id":"T0VENDOR","event_id":"Ev9","event":{"type":)"
                           R"("message","channel":"C0ACME","user":"U0CAROL","text":"1 &lt; 2 &amp; 3","ts":"1.2"}})");
    REQUIRE(p.value);
    auto const* e = std::get_if<slack_event>(&*p.value);
    REQUIRE(e);
    CHECK(e->text == "1 < 2 & 3");
}

TEST_CASE("malformed slash command bodies are refused with a reason")
{
    CHECK_FALSE(decode_slash_command("channel_id=C1&command=%2Fcase").value);
    CHECK_FALSE(decode_slash_command("user_id=U1&channel_id=C1&command=%ZZ").value);
    CHECK(decode_slash_command("").problem.find("user_id") != std::string::npos);
}

TEST_CASE("a form whose text does not decode to UTF-8 is refused, saying so")
{
    for (auto const* text : {"caf%E9", "%80", "%C0%80", "%ED%A0%80", "ok%F4%90%80%80"}) {
        CAPTURE(text);
        auto const c = decode_slash_command(std::string{"user_id=U1&channel_id=C1&command=%2Fcase&text="} + text);
        CHECK_FALSE(c.value);
        CHECK(c.problem.find("UTF-8") != std::string::npos);
    }
    CHECK_FALSE(decode_slash_command("user_id=U%FF&channel_id=C1&command=%2Fcase").value);
    CHECK_FALSE(decode_slash_command("user_id=U1&channel_id=C1&command=%2Fcase&text=new%00title").value);
    CHECK_FALSE(decode_interaction("payload=%7B%22type%22%3A%22x%E9%22%7D").value);
    CHECK(decode_slash_command("user_id=U1&channel_id=C1&command=%2Fcase&text=caf%C3%A9").value->text == "caf\xC3\xA9");
}

TEST_CASE("url_verification answers with its challenge")
{
    auto const p = decode_events(R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})");
    REQUIRE(p.value);
    auto const* v = std::get_if<url_verification>(&*p.value);
    REQUIRE(v);
    CHECK(v->challenge == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
}

TEST_CASE("message, mention and reaction events are flattened")
{
    auto p = decode_events(R"({"type":"event_callback","team_id":"T0VENDOR","api_app_id":"A1","event_id":"Ev1",
        "event_time":1700000000,"event":{"type":"message","channel":"C0ACME","user":"U0CAROL","user_team":"T0ACME",
        "text":"Invoices fail","ts":"1700000000.000100","thread_ts":"1699999999.000200","channel_type":"channel"}})");
    REQUIRE(p.value);
    auto const* e = std::get_if<slack_event>(&*p.value);
    REQUIRE(e);
    CHECK(e->event_id == "Ev1");
    CHECK(e->type == "message");
    CHECK(e->user_team == "T0ACME");
    CHECK(e->thread_ts == "1699999999.000200");

    p = decode_events(R"({"type":"event_callback","event_id":"Ev2","event":{"type":"reaction_added","user":"U0ANA",
        "reaction":"eyes","item":{"type":"message","channel":"C0ACME","ts":"1.2"},"item_user":"U0CAROL"}})");
    REQUIRE(p.value);
    e = std::get_if<slack_event>(&*p.value);
    REQUIRE(e);
    CHECK(e->reaction == "eyes");
    CHECK(e->item_channel == "C0ACME");
    CHECK(e->item_ts == "1.2");
    CHECK(e->item_user == "U0CAROL");

    // A message's team stands in for user_team when that is absent.
    p = decode_events(R"({"type":"event_callback","event_id":"Ev3","event":{"type":"message","user":"U1","team":"T9"}})");
    CHECK(std::get<slack_event>(*p.value).user_team == "T9");
}

TEST_CASE("events the app does not handle are acknowledged, broken ones refused")
{
    auto p = decode_events(R"({"type":"app_rate_limited","minute_rate_limited":1})");
    REQUIRE(p.value);
    CHECK(std::holds_alternative<other_event>(*p.value));
    CHECK_FALSE(decode_events("not json").value);
    CHECK_FALSE(decode_events("[1,2]").value);
    CHECK_FALSE(decode_events(R"({"type":"event_callback","event":{"type":"message"}})").value);   // no event_id
    CHECK_FALSE(decode_events(R"({"type":"event_callback","event_id":"Ev1"})").value);             // no event
    CHECK_FALSE(decode_events(R"({"type":"url_verification"})").value);                             // no challenge
}

TEST_CASE("a button press and a modal submission are decoded from the payload field")
{
    auto const press = decode_interaction(
        "payload=" + form_encode(R"({"type":"block_actions","user":{"id":"U0ANA","team_id":"T0VENDOR"},
        "container":{"type":"message","message_ts":"1.5","channel_id":"C0ACME"},"trigger_id":"9.9",
        "response_url":"https://hooks.slack.com/actions/1","actions":[{"action_id":"case_claim","value":"42",
        "type":"button","block_id":"case_actions"}]})"));
    REQUIRE(press.value);
    auto const* a = std::get_if<block_action>(&*press.value);
    REQUIRE(a);
    CHECK(a->action_id == "case_claim");
    CHECK(a->value == "42");
    CHECK(a->channel_id == "C0ACME");
    CHECK(a->user_team == "T0VENDOR");

    auto const select = decode_interaction(
        "payload=" + form_encode(R"({"type":"block_actions","user":{"id":"U0ANA"},"channel":{"id":"C0ACME"},
        "message":{"ts":"1.5"},"actions":[{"action_id":"case_severity","type":"static_select",
        "selected_option":{"value":"42:critical"}}]})"));
    REQUIRE(select.value);
    CHECK(std::get<block_action>(*select.value).value == "42:critical");
    CHECK(std::get<block_action>(*select.value).message_ts == "1.5");

    auto const submit = decode_interaction(
        "payload=" + form_encode(R"({"type":"view_submission","user":{"id":"U0CAROL","team_id":"T0ACME"},
        "view":{"id":"V1","callback_id":"new_case","private_metadata":"{\"channel\":\"C0ACME\"}",
        "state":{"values":{"title":{"value":{"type":"plain_text_input","value":"Export hangs"}},
        "severity":{"value":{"type":"static_select","selected_option":{"value":"low"}}}}}}})"));
    REQUIRE(submit.value);
    auto const* v = std::get_if<view_submission>(&*submit.value);
    REQUIRE(v);
    CHECK(v->callback_id == "new_case");
    CHECK(v->values.at("title") == "Export hangs");
    CHECK(v->values.at("severity") == "low");
}

TEST_CASE("interaction bodies without a usable payload are refused")
{
    CHECK_FALSE(decode_interaction("").value);
    CHECK_FALSE(decode_interaction("payload=").value);
    CHECK_FALSE(decode_interaction("payload=%7Bnot+json").value);
    CHECK_FALSE(decode_interaction("payload=" + form_encode(R"({"type":"block_actions","user":{"id":"U1"}})")).value);
}
