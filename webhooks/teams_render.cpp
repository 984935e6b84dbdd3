#include "webhooks/teams_render.hpp"

#include "bot/describe.hpp"
#include "commands/case_view.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace bot::webhooks {
namespace json = boost::json;
namespace {
json::object text_block(std::string text, bool bold = false, std::string_view size = {})
{
    json::object b{{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
    if (bold)
        b["weight"] = "Bolder";
    if (!size.empty())
        b["size"] = size;
    return b;
}

json::object card(json::array body, json::array actions = {})
{
    json::object c{{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                   {"type", "AdaptiveCard"},
                   {"version", "1.4"},
                   {"body", std::move(body)}};
    if (!actions.empty())
        c["actions"] = std::move(actions);
    return c;
}

json::object submit(std::string title, std::string_view action, case_id id)
{
    return {{"type", "Action.Submit"},
            {"title", std::move(title)},
            {"data", json::object{{teams_action_key, action}, {"case", id}}}};
}

json::object fact_set(const std::vector<commands::reply_field>& fields)
{
    json::array facts;
    for (auto const& f : fields)
        facts.push_back(json::object{{"title", f.name}, {"value", f.value}});
    return {{"type", "FactSet"}, {"facts", std::move(facts)}};
}
}  // namespace

json::object teams_case_card(const case_record& c, wall_time now, const program& rules, const directory& people,
                             bool with_actions)
{
    json::array body;
    body.push_back(text_block(fmt::format("{} {}", case_tag(c.id), c.title), true, "Medium"));
    std::vector<commands::reply_field> facts;
    for (auto const& f : commands::case_fields(c, now, rules, people))
        if (f.name != "Case" && f.name != "Title")
            facts.push_back(f);
    body.push_back(fact_set(facts));
    json::array actions;
    if (with_actions && !is_finished(c.state)) {
        if (c.assignee.empty())
            actions.push_back(submit("Claim", "claim", c.id));
        if (!c.responded_at)
            actions.push_back(submit("Acknowledge", "ack", c.id));
        if (is_covered(c.kind)) {
            json::array choices;
            for (auto s : all_severities)
                if (s != c.level && (s != severity::critical || may_be_critical(c.kind)))
                    choices.push_back(json::object{{"title", std::string{to_string(s)}}, {"value", to_string(s)}});
            json::array inputs{
                json::object{{"type", "Input.ChoiceSet"}, {"id", "severity"}, {"choices", std::move(choices)},
                             {"placeholder", "New severity"}},
                json::object{{"type", "Input.Text"}, {"id", "reason"}, {"placeholder", "Reason (required)"},
                             {"isMultiline", true}}};
            actions.push_back(json::object{
                {"type", "Action.ShowCard"},
                {"title", "Change severity"},
                {"card", card(std::move(inputs), json::array{submit("Change", "severity", c.id)})}});
        }
        actions.push_back(submit("Resolve", "resolve", c.id));
    }
    return card(std::move(body), std::move(actions));
}

json::object teams_reply_card(const commands::reply& r)
{
    json::array body;
    body.push_back(text_block(r.text));
    if (!r.fields.empty())
        body.push_back(fact_set(r.fields));
    return card(std::move(body));
}

json::object teams_notice_card(const outbound_message& m)
{
    std::string text;
    json::array entities;
    for (auto const& who : m.mentions) {
        auto const tag = fmt::format("<at>{}</at>", who.name);
        text += tag + " ";
        if (!who.group)
            entities.push_back(json::object{{"type", "mention"},
                                            {"text", tag},
                                            {"mentioned", json::object{{"id", who.id}, {"name", who.name}}}});
    }
    text += m.text;
    auto c = card(json::array{text_block(std::move(text))});
    if (!entities.empty())
        c["msteams"] = json::object{{"entities", std::move(entities)}};
    return c;
}

json::object teams_card_activity(const json::object& c, std::string_view fallback)
{
    return {{"type", "message"},
            {"summary", fallback},
            {"attachments",
             json::array{json::object{{"contentType", "application/vnd.microsoft.card.adaptive"}, {"content", c}}}}};
}

json::object workflow_payload(const json::object& c)
{
    return {{"type", "message"},
            {"attachments", json::array{json::object{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                                     {"contentUrl", nullptr},
                                                     {"content", c}}}}};
}

}  // namespace bot::webhooks
