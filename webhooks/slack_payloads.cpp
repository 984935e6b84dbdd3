#include "webhooks/slack_payloads.hpp"

#include "webhooks/entities.hpp"
#include "webhooks/form.hpp"
#include "webhooks/json_fields.hpp"

#include <boost/json.hpp>

namespace bot::webhooks {
namespace json = boost::json;
namespace {

using json_fields::obj;
using json_fields::str;

std::optional<json::object> parse_object(std::string_view text)
{
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object())
        return std::nullopt;
    return std::move(v.get_object());
}

// A select's chosen option, a text input's value, or a button's value.
std::string input_value(const json::object& element)
{
    if (auto const* option = obj(element, "selected_option"))
        return str(*option, "value");
    return str(element, "value");
}

decoded<interaction> decode_block_action(const json::object& p)
{
    block_action a;
    if (auto const* user = obj(p, "user")) {
        a.user_id = str(*user, "id");
        a.user_team = str(*user, "team_id");
    }
    if (auto const* container = obj(p, "container")) {
        a.channel_id = str(*container, "channel_id");
        a.message_ts = str(*container, "message_ts");
        a.thread_ts = str(*container, "thread_ts");
    }
    if (a.channel_id.empty())
        if (auto const* channel = obj(p, "channel"))
            a.channel_id = str(*channel, "id");
    if (a.message_ts.empty())
        if (auto const* message = obj(p, "message"))
            a.message_ts = str(*message, "ts");
    a.response_url = str(p, "response_url");
    a.trigger_id = str(p, "trigger_id");
    auto const* actions = p.if_contains("actions");
    if (!actions || !actions->is_array() || actions->get_array().empty() || !actions->get_array()[0].is_object())
        return decoded<interaction>::bad("block_actions without actions");
    auto const& first = actions->get_array()[0].get_object();
    a.action_id = str(first, "action_id");
    a.value = input_value(first);
    if (a.user_id.empty() || a.action_id.empty())
        return decoded<interaction>::bad("block_actions without user or action_id");
    return decoded<interaction>::ok(std::move(a));
}

decoded<interaction> decode_view_submission(const json::object& p)
{
    view_submission v;
    if (auto const* user = obj(p, "user")) {
        v.user_id = str(*user, "id");
        v.user_team = str(*user, "team_id");
    }
    auto const* view = obj(p, "view");
    if (!view || v.user_id.empty())
        return decoded<interaction>::bad("view_submission without view or user");
    v.callback_id = str(*view, "callback_id");
    v.private_metadata = str(*view, "private_metadata");
    v.view_id = str(*view, "id");
    if (auto const* state = obj(*view, "state"))
        if (auto const* values = obj(*state, "values"))
            for (auto const& [block_id, block] : *values)
                if (block.is_object())
                    for (auto const& [action_id, element] : block.get_object())
                        if (element.is_object())
                            v.values[std::string{block_id}] = input_value(element.get_object());
    return decoded<interaction>::ok(std::move(v));
}
}  // namespace

std::string slack_plain_text(std::string_view text)
{
    // Slack sends &, < and > of what people typed as entities (its own markup, <@U…>
    // and links, uses the bare characters); nothing else is encoded.
    static constexpr entity slack_entities[] = {{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
    return decode_entities(text, slack_entities);
}

decoded<slash_command> decode_slash_command(std::string_view form_body)
{
    auto const f = parse_form(form_body);
    if (!f)
        return decoded<slash_command>::bad("the body is not a form of percent-encoded UTF-8 text");
    slash_command c;
    c.team_id = field(*f, "team_id");
    c.channel_id = field(*f, "channel_id");
    c.user_id = field(*f, "user_id");
    c.command = field(*f, "command");
    c.text = slack_plain_text(field(*f, "text"));
    c.response_url = field(*f, "response_url");
    c.trigger_id = field(*f, "trigger_id");
    c.api_app_id = field(*f, "api_app_id");
    if (c.user_id.empty() || c.channel_id.empty() || c.command.empty())
        return decoded<slash_command>::bad("a slash command needs user_id, channel_id and command");
    return decoded<slash_command>::ok(std::move(c));
}

decoded<events_payload> decode_events(std::string_view json_body)
{
    auto const p = parse_object(json_body);
    if (!p)
        return decoded<events_payload>::bad("the body is not a JSON object");
    auto const type = str(*p, "type");
    if (type == "url_verification") {
        auto challenge = str(*p, "challenge");
        if (challenge.empty())
            return decoded<events_payload>::bad("url_verification without a challenge");
        return decoded<events_payload>::ok(url_verification{std::move(challenge)});
    }
    if (type != "event_callback")
        return decoded<events_payload>::ok(other_event{type});
    auto const* event = obj(*p, "event");
    if (!event)
        return decoded<events_payload>::bad("event_callback without an event");
    slack_event e;
    e.event_id = str(*p, "event_id");
    e.team_id = str(*p, "team_id");
    e.api_app_id = str(*p, "api_app_id");
    if (e.event_id.empty())
        return decoded<events_payload>::bad("event_callback without an event_id");
    e.type = str(*event, "type");
    e.subtype = str(*event, "subtype");
    e.channel = str(*event, "channel");
    e.user = str(*event, "user");
    e.user_team = str(*event, "user_team");
    if (e.user_team.empty())
        e.user_team = str(*event, "team");
    e.text = slack_plain_text(str(*event, "text"));
    e.ts = str(*event, "ts");
    e.thread_ts = str(*event, "thread_ts");
    e.bot_id = str(*event, "bot_id");
    e.reaction = str(*event, "reaction");
    e.item_user = str(*event, "item_user");
    if (auto const* item = obj(*event, "item")) {
        e.item_channel = str(*item, "channel");
        e.item_ts = str(*item, "ts");
    }
    return decoded<events_payload>::ok(std::move(e));
}

decoded<interaction> decode_interaction(std::string_view form_body)
{
    auto const f = parse_form(form_body);
    if (!f)
        return decoded<interaction>::bad("the body is not a form of percent-encoded UTF-8 text");
    auto const payload = field(*f, "payload");
    if (payload.empty())
        return decoded<interaction>::bad("the form has no payload field");
    auto const p = parse_object(payload);
    if (!p)
        return decoded<interaction>::bad("the payload is not a JSON object");
    auto const type = str(*p, "type");
    if (type == "block_actions")
        return decode_block_action(*p);
    if (type == "view_submission")
        return decode_view_submission(*p);
    return decoded<interaction>::ok(other_interaction{type});
}

}  // namespace bot::webhooks
