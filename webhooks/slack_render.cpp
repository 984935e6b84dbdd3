#include "webhooks/slack_render.hpp"

#include "bot/describe.hpp"
#include "commands/case_view.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace bot::webhooks {
namespace json = boost::json;
namespace {

constexpr std::size_t max_header = 150;      // Block Kit header text limit
constexpr std::size_t max_section = 2900;    // section text limit is 3000
constexpr std::size_t max_field = 1900;      // field text limit is 2000
constexpr std::size_t max_text_sections = 40;   // of the 50 blocks a message may have

// Where to cut escaped mrkdwn `text` to keep at most `limit` bytes: never inside a
// UTF-8 sequence, nor inside an entity (&amp;) that escaping made.
std::size_t cut_point(std::string_view text, std::size_t limit)
{
    auto cut = std::min(limit, text.size());
    while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    if (auto const amp = text.rfind('&', cut == 0 ? 0 : cut - 1);
        amp != std::string_view::npos && cut - amp < 5 && text.substr(amp, cut - amp).find(';') == std::string_view::npos)
        cut = amp;
    return cut;
}

std::string clip(std::string text, std::size_t limit)
{
    if (text.size() <= limit)
        return text;
    return text.substr(0, cut_point(text, limit - 3)) + "…";
}

json::object plain(std::string text)
{
    return {{"type", "plain_text"}, {"text", std::move(text)}, {"emoji", true}};
}

json::object mrkdwn(std::string text)
{
    return {{"type", "mrkdwn"}, {"text", std::move(text)}};
}

json::object section(std::string text)
{
    return {{"type", "section"}, {"text", mrkdwn(clip(std::move(text), max_section))}};
}

// Escaped mrkdwn `text` as sections: Slack refuses a section over 3,000 characters, so
// long text (a list, a description and its history) is split between lines, and cut
// with "…" only past `most` sections.
void append_sections(json::array& blocks, std::string_view text, std::size_t most)
{
    for (std::size_t n = 1; !text.empty(); ++n) {
        if (text.size() <= max_section || n == most) {
            blocks.push_back(section(std::string{text}));
            return;
        }
        auto cut = text.rfind('\n', max_section);
        if (cut == std::string_view::npos || cut == 0)
            cut = cut_point(text, max_section);
        blocks.push_back(section(std::string{text.substr(0, cut)}));
        text.remove_prefix(cut);
        if (!text.empty() && text.front() == '\n')
            text.remove_prefix(1);
    }
}

json::object button(std::string_view action, std::string label, std::string value, std::string_view style = {})
{
    json::object b{{"type", "button"}, {"action_id", action}, {"text", plain(std::move(label))}, {"value", value}};
    if (!style.empty())
        b["style"] = style;
    return b;
}

json::object option(std::string label, std::string value)
{
    return {{"text", plain(std::move(label))}, {"value", std::move(value)}};
}

std::string capitalised(std::string_view word)
{
    std::string out{word};
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z')
        out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

json::object select_input(std::string block_id, std::string label, const std::vector<std::pair<std::string, std::string>>& options,
                          std::string_view initial)
{
    json::array opts;
    json::object initial_option;
    for (auto const& [text, value] : options) {
        opts.push_back(option(text, value));
        if (value == initial)
            initial_option = option(text, value);
    }
    json::object element{{"type", "static_select"}, {"action_id", "value"}, {"options", std::move(opts)}};
    if (!initial_option.empty())
        element["initial_option"] = std::move(initial_option);
    return {{"type", "input"}, {"block_id", std::move(block_id)}, {"label", plain(std::move(label))},
            {"element", std::move(element)}};
}

json::object text_input(std::string block_id, std::string label, bool multiline, bool optional, std::size_t max_length)
{
    json::object element{{"type", "plain_text_input"}, {"action_id", "value"}, {"multiline", multiline},
                         {"max_length", max_length}};
    return {{"type", "input"}, {"block_id", std::move(block_id)}, {"label", plain(std::move(label))},
            {"optional", optional}, {"element", std::move(element)}};
}
}  // namespace

std::string escape_mrkdwn(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        switch (ch) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        default: out += ch;
        }
    }
    return out;
}

bool is_link_markup(std::string_view inside)
{
    auto const target = inside.substr(0, inside.find('|'));
    auto const id_like = [](std::string_view id) {
        return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        });
    };
    if (target.starts_with('@') || target.starts_with('#'))
        return id_like(target.substr(1));
    return (target.starts_with("http://") || target.starts_with("https://") || target.starts_with("mailto:")) &&
           target.find(' ') == std::string_view::npos;
}

std::string escape_mrkdwn_keeping_links(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        auto const open = text.find('<');
        out += escape_mrkdwn(text.substr(0, open));
        if (open == std::string_view::npos)
            break;
        text.remove_prefix(open);
        auto const close = text.find_first_of(">\n<", 1);
        if (close != std::string_view::npos && text[close] == '>' && is_link_markup(text.substr(1, close - 1))) {
            out += text.substr(0, close + 1);
            text.remove_prefix(close + 1);
        } else {
            out += "&lt;";
            text.remove_prefix(1);
        }
    }
    return out;
}

json::object slack_reply(const commands::reply& r)
{
    json::array blocks;
    append_sections(blocks, escape_mrkdwn_keeping_links(r.text), max_text_sections);
    if (!r.fields.empty()) {
        json::array fields;
        for (auto const& f : r.fields) {
            if (fields.size() == 10) {   // Slack allows ten fields per section
                blocks.push_back(json::object{{"type", "section"}, {"fields", std::move(fields)}});
                fields = {};
            }
            fields.push_back(mrkdwn(clip(fmt::format("*{}*\n{}", escape_mrkdwn(f.name), escape_mrkdwn(f.value)), max_field)));
        }
        blocks.push_back(json::object{{"type", "section"}, {"fields", std::move(fields)}});
    }
    auto const shown = r.shown == commands::visibility::in_channel ? "in_channel" : "ephemeral";
    return {{"response_type", shown}, {"text", clip(escape_mrkdwn(r.text), 3000)}, {"blocks", std::move(blocks)}};
}

json::array case_card_blocks(const case_record& c, wall_time now, const program& rules, const directory& people)
{
    json::array blocks;
    blocks.push_back(json::object{
        {"type", "header"}, {"text", plain(clip(fmt::format("{} {}", case_tag(c.id), c.title), max_header))}});
    json::array fields;
    auto const all = commands::case_fields(c, now, rules, people);
    std::string context;
    for (auto const& f : all) {
        if (f.name == "Case" || f.name == "Title")
            continue;
        if (f.name == "Customer" || f.name == "Opened" || f.name == "Typical resolution") {
            context += (context.empty() ? "" : " · ") + escape_mrkdwn(f.name == "Customer" ? f.value
                                                                    : f.name + ": " + f.value);
            continue;
        }
        if (fields.size() < 10)
            fields.push_back(mrkdwn(clip(fmt::format("*{}*\n{}", escape_mrkdwn(f.name), escape_mrkdwn(f.value)), max_field)));
    }
    blocks.push_back(json::object{{"type", "section"}, {"fields", std::move(fields)}});
    blocks.push_back(json::object{{"type", "context"}, {"elements", json::array{mrkdwn(clip(context, max_section))}}});

    if (!is_finished(c.state)) {
        auto const id = std::to_string(c.id);
        json::array actions;
        if (c.assignee.empty())
            actions.push_back(button(claim_action, "Claim", id, "primary"));
        if (!c.responded_at)
            actions.push_back(button(ack_action, "Acknowledge", id));
        if (is_covered(c.kind)) {
            json::array levels;
            for (auto s : all_severities)
                if (s != c.level && (s != severity::critical || may_be_critical(c.kind)))
                    levels.push_back(option(capitalised(to_string(s)), id + ":" + std::string{to_string(s)}));
            actions.push_back(json::object{{"type", "static_select"},
                                           {"action_id", severity_action},
                                           {"placeholder", plain("Change severity")},
                                           {"options", std::move(levels)}});
        }
        auto resolve = button(resolve_action, "Resolve", id);
        resolve["confirm"] = json::object{{"title", plain("Resolve " + case_tag(c.id) + "?")},
                                          {"text", plain("The customer can confirm or reopen it.")},
                                          {"confirm", plain("Resolve")},
                                          {"deny", plain("Not yet")}};
        actions.push_back(std::move(resolve));
        // A new block_id for each version of the card: Slack keeps what a person picked in
        // a block whose id it has seen, so an edited card would show a stale selection.
        blocks.push_back(json::object{{"type", "actions"},
                                      {"block_id", fmt::format("case_actions_v{}", c.version)},
                                      {"elements", std::move(actions)}});
    }
    return blocks;
}

std::string plain_text_of(const json::array& blocks)
{
    std::vector<std::string> lines;
    // A text object's words: mrkdwn as it is, plain_text escaped so that it reads the same.
    auto const words = [](const json::value& v) -> std::string {
        auto const* o = v.if_object();
        auto const* text = o ? o->if_contains("text") : nullptr;
        if (!text || !text->is_string())
            return {};
        auto const* type = o->if_contains("type");
        bool const plain = type && type->is_string() && type->get_string() == "plain_text";
        std::string_view const raw = text->get_string();
        return plain ? escape_mrkdwn(raw) : std::string{raw};
    };
    auto const add = [&](std::string line) {
        if (!line.empty())
            lines.push_back(std::move(line));
    };
    for (auto const& b : blocks) {
        auto const* block = b.if_object();
        if (!block)
            continue;
        auto const* type = block->if_contains("type");
        std::string_view const kind = type && type->is_string() ? std::string_view{type->get_string()} : "";
        if (kind == "header") {
            if (auto const* text = block->if_contains("text"); text && !words(*text).empty())
                add("*" + words(*text) + "*");
        } else if (kind == "section") {
            if (auto const* text = block->if_contains("text"))
                add(words(*text));
            if (auto const* fields = block->if_contains("fields"); fields && fields->is_array())
                for (auto const& f : fields->get_array()) {
                    auto field = words(f);   // "*Name*\nvalue" on the card: one line, "*Name*: value"
                    if (auto const nl = field.find('\n'); nl != std::string::npos)
                        field.replace(nl, 1, ": ");
                    add(std::move(field));
                }
        } else if (kind == "context") {
            std::string line;
            if (auto const* elements = block->if_contains("elements"); elements && elements->is_array())
                for (auto const& e : elements->get_array())
                    if (auto text = words(e); !text.empty())
                        line += (line.empty() ? "" : " · ") + text;
            add(std::move(line));
        }
    }
    std::string out;
    for (auto const& line : lines)
        out += (out.empty() ? "" : "\n") + line;
    return clip(std::move(out), 39000);
}

std::string slack_text(const outbound_message& m)
{
    std::string out;
    for (auto const& who : m.mentions)
        out += who.group ? fmt::format("<!subteam^{}> ", who.id) : fmt::format("<@{}> ", who.id);
    return out + escape_mrkdwn_keeping_links(m.text);
}

json::object slack_post(const outbound_message& m, std::string_view thread, const case_record* c, wall_time now,
                        const program& rules, const directory& people)
{
    json::object args{{"channel", m.to.channel}, {"unfurl_links", false}, {"unfurl_media", false}};
    if (!thread.empty())
        args["thread_ts"] = thread;
    if (!m.to.only_for.empty())
        args["user"] = m.to.only_for;
    if ((m.kind == "case_card" || m.kind == "card_update") && c) {
        args["text"] = clip(fmt::format("{} {}: {} ({}, {})", case_tag(c->id), escape_mrkdwn(c->title),
                                        to_string(c->state), to_string(c->level), to_string(c->kind)),
                            3000);
        auto blocks = case_card_blocks(*c, now, rules, people);
        // A new card also carries the receipt's notes (support closed, not covered) that
        // its fields do not already show.
        if (m.kind == "case_card") {
            std::string notes;
            std::string_view rest = m.text;
            while (!rest.empty()) {
                auto const line = rest.substr(0, rest.find('\n'));
                rest.remove_prefix(std::min(rest.size(), line.size() + 1));
                if (!line.starts_with("Case ") && !line.starts_with("Severity:") &&
                    !line.starts_with("Initial response due:"))
                    notes += (notes.empty() ? "" : "\n") + std::string{line};
            }
            if (!notes.empty())
                blocks.emplace(blocks.begin() + 1, section(escape_mrkdwn(notes)));
        }
        args["blocks"] = std::move(blocks);
        return args;
    }
    args["text"] = clip(slack_text(m), 39000);
    return args;
}

json::object new_case_modal(std::string_view channel, std::string_view thread)
{
    json::array blocks;
    blocks.push_back(select_input("severity", "Severity",
                                  {{"Critical — key business processes stopped, no workaround", "critical"},
                                   {"Normal — questions, or not working as specified", "normal"},
                                   {"Low — non-production, no impact on use", "low"}},
                                  "normal"));
    blocks.push_back(select_input("category", "Category",
                                  {{"Software error (technical support)", "error"},
                                   {"Question about using the software", "question"},
                                   {"Change request (not covered)", "change-request"},
                                   {"Work order (not covered)", "work-order"},
                                   {"CRM maintenance (not covered)", "crm-maintenance"}},
                                  "question"));
    blocks.push_back(text_input("title", "Title", false, false, 200));
    blocks.push_back(text_input("description", "Description", true, true, 3000));
    json::object metadata{{"channel", channel}, {"thread", thread}};
    return {{"type", "modal"},
            {"callback_id", new_case_view},
            {"title", plain("New support case")},
            {"submit", plain("Open case")},
            {"close", plain("Cancel")},
            {"private_metadata", json::serialize(metadata)},
            {"blocks", std::move(blocks)}};
}

json::object severity_modal(case_id id, severity level, std::string_view channel)
{
    json::array blocks;
    blocks.push_back(section(fmt::format("Change {} to *{}*. Every severity change is recorded with its reason.",
                                         case_tag(id), to_string(level))));
    blocks.push_back(text_input("reason", "Reason", true, false, 500));
    json::object metadata{{"case", id}, {"severity", to_string(level)}, {"channel", channel}};
    return {{"type", "modal"},
            {"callback_id", severity_view},
            {"title", plain("Change severity")},
            {"submit", plain("Change")},
            {"close", plain("Cancel")},
            {"private_metadata", json::serialize(metadata)},
            {"blocks", std::move(blocks)}};
}

}  // namespace bot::webhooks
