#include "webhooks/teams_payloads.hpp"

#include "webhooks/entities.hpp"
#include "webhooks/json_fields.hpp"

#include <boost/json.hpp>

#include <cctype>

namespace bot::webhooks {
namespace json = boost::json;
namespace {
using json_fields::obj;
using json_fields::str;
}  // namespace

decoded<teams_activity_in> decode_teams_activity(std::string_view json_body)
{
    boost::system::error_code ec;
    auto v = json::parse(json_body, ec);
    if (ec || !v.is_object())
        return decoded<teams_activity_in>::bad("the body is not a JSON object");
    auto const& o = v.get_object();
    teams_activity_in a;
    a.type = str(o, "type");
    a.id = str(o, "id");
    a.service_url = str(o, "serviceUrl");
    a.channel_id = str(o, "channelId");
    a.text = str(o, "text");
    a.reply_to_id = str(o, "replyToId");
    if (auto const* recipient = obj(o, "recipient"))
        a.recipient_id = str(*recipient, "id");
    if (auto const* entities = o.if_contains("entities"); entities && entities->is_array()) {
        for (auto const& e : entities->get_array()) {
            if (!e.is_object() || str(e.get_object(), "type") != "mention")
                continue;
            teams_mention m;
            m.tag = str(e.get_object(), "text");
            if (auto const* who = obj(e.get_object(), "mentioned")) {
                m.id = str(*who, "id");
                m.aad = str(*who, "aadObjectId");
                m.name = str(*who, "name");
            }
            a.mentions.push_back(std::move(m));
        }
    }
    if (auto const* from = obj(o, "from")) {
        a.from_id = str(*from, "id");
        a.from_aad = str(*from, "aadObjectId");
        a.from_name = str(*from, "name");
    }
    if (auto const* conversation = obj(o, "conversation")) {
        a.conversation_id = str(*conversation, "id");
        a.tenant_id = str(*conversation, "tenantId");
    }
    if (auto const* data = obj(o, "channelData")) {
        if (auto const* tenant = obj(*data, "tenant"))
            a.tenant_id = str(*tenant, "id");
        if (auto const* team = obj(*data, "team"))
            a.team_id = str(*team, "id");
        if (auto const* channel = obj(*data, "channel"))
            a.channel = str(*channel, "id");
    }
    if (auto const* value = obj(o, "value"))
        a.value = *value;
    if (a.type.empty() || a.from_id.empty() || a.conversation_id.empty())
        return decoded<teams_activity_in>::bad("an activity needs type, from.id and conversation.id");
    if (a.type == "message" && a.id.empty())
        return decoded<teams_activity_in>::bad("a message activity needs its id");

    // "19:abc@thread.tacv2;messageid=1717236000000": the channel and the thread's root.
    auto const marker = a.conversation_id.find(";messageid=");
    auto const base = a.conversation_id.substr(0, marker);
    if (a.channel.empty())
        a.channel = base;
    if (marker != std::string::npos)
        a.thread_root = a.conversation_id.substr(marker + 11);
    else if (!a.reply_to_id.empty())
        a.thread_root = a.reply_to_id;
    else
        a.thread_root = a.id;
    return decoded<teams_activity_in>::ok(std::move(a));
}

namespace {
// Whether `text` starts with `prefix`, ignoring ASCII case.
bool starts_with_nocase(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

// Where the mention tag starting at `i` ends (past its "</at>"): Teams writes
// <at>Name</at>, and other clients <at id="0">Name</at> or <AT>Name</AT>. npos when
// `i` does not start one.
std::size_t mention_end(std::string_view text, std::size_t i)
{
    auto const rest = text.substr(i);
    if (!starts_with_nocase(rest, "<at") || rest.size() < 4 || (rest[3] != '>' && rest[3] != ' '))
        return std::string_view::npos;
    for (auto close = text.find("</", i); close != std::string_view::npos; close = text.find("</", close + 2))
        if (starts_with_nocase(text.substr(close), "</at>"))
            return close + 5;
    return text.size();
}

// The entity describing mention tag `tag`: the one Teams wrote with that very text,
// else one whose name is the tag's content (clients differ in how they write tags).
const teams_mention* mention_of(std::span<const teams_mention> mentions, std::string_view tag)
{
    for (auto const& m : mentions)
        if (m.tag == tag)
            return &m;
    auto const open = tag.find('>');
    auto const close = tag.rfind("</");
    if (open == std::string_view::npos || close == std::string_view::npos || close <= open)
        return nullptr;
    auto const name = tag.substr(open + 1, close - open - 1);
    for (auto const& m : mentions)
        if (!m.name.empty() && m.name == name)
            return &m;
    return nullptr;
}
}  // namespace

std::string strip_teams_markup(std::string_view text, std::span<const teams_mention> mentions,
                               const mention_words& words)
{
    std::string out;
    out.reserve(text.size());
    // Drop <at>…</at> with its content unless `words` names it, and any other tag but
    // keep its content.
    for (std::size_t i = 0; i < text.size();) {
        if (auto const end = mention_end(text, i); end != std::string_view::npos) {
            if (words) {
                if (auto const* m = mention_of(mentions, text.substr(i, end - i)))
                    if (auto said = words(*m))
                        out += *said;
            }
            i = end;
            continue;
        }
        if (text[i] == '<') {
            auto const end = text.find('>', i);
            if (end != std::string_view::npos) {
                auto const tag = text.substr(i, end - i + 1);
                if (tag.starts_with("<br") || tag.starts_with("</p") || tag.starts_with("</div"))
                    out += '\n';
                i = end + 1;
                continue;
            }
        }
        out += text[i++];
    }
    static constexpr entity html_entities[] = {{"&nbsp;", " "},  {"&lt;", "<"},  {"&gt;", ">"},
                                               {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
    out = decode_entities(out, html_entities);
    auto const first = out.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    auto const last = out.find_last_not_of(" \t\r\n");
    return out.substr(first, last - first + 1);
}

}  // namespace bot::webhooks
