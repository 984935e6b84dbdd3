#include "commands/parser.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace bot::commands {
namespace {

struct verb_info {
    verb v;
    std::string_view name;
    std::string_view usage;
    std::string_view summary;
};

constexpr std::array<verb_info, all_verbs.size()> verbs{{
    {verb::new_case, "new", "new [critical|normal|low] [error|question|change-request|work-order|crm-maintenance] <title>",
     "open a case"},
    {verb::claim, "claim", "claim <id>", "take a case; counts as its initial response"},
    {verb::ack, "ack", "ack <id> [text]", "acknowledge a case; counts as its initial response"},
    {verb::info, "info", "info <id> <question>", "ask the customer for information; pauses the status clock"},
    {verb::update, "update", "update <id> <text>", "post a status update; restarts the status clock"},
    {verb::note, "note", "note <id> <text>",
     "add details to a case, in its thread for everyone there (an agent's counts as an update; a customer's "
     "resumes a waiting case)"},
    {verb::severity, "severity", "severity <id> <critical|normal|low> <reason>",
     "change the severity (customers ask for Critical; a lead decides)"},
    {verb::approve, "approve", "approve <id>", "approve a customer's request for Critical"},
    {verb::decline, "decline", "decline <id> <reason>", "decline a customer's request for Critical"},
    {verb::category, "category", "category <id> <error|question|change-request|work-order|crm-maintenance>",
     "reclassify a case"},
    {verb::assign, "assign", "assign <id> <@user>", "give a case to an agent"},
    {verb::escalate, "escalate", "escalate <id> <reason>", "bring a case to the leads' attention"},
    {verb::resolve, "resolve", "resolve <id> [note]", "mark a case resolved"},
    {verb::close, "close", "close <id>", "close a case (customers: confirm a resolved case)"},
    {verb::reopen, "reopen", "reopen <id> [reason]", "reopen a resolved or closed case"},
    {verb::show, "show", "show <id>", "show a case, its deadlines and recent history"},
    {verb::why, "why", "why <id>", "explain how a case's deadlines were computed"},
    {verb::list, "list", "list [mine|open|breached|waiting|all]", "list cases"},
    {verb::sla, "sla", "sla", "what the Support Program promises"},
    {verb::contacts, "contacts", "contacts [list] | contacts add <address> [name] | contacts remove <address>",
     "manage your organisation's notification contacts"},
    {verb::help, "help", "help [command]", "what you can do here"},
}};

const verb_info& info_of(verb v) noexcept
{
    return *std::find_if(verbs.begin(), verbs.end(), [v](auto const& i) { return i.v == v; });
}

bool is_space(char c) noexcept
{
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

std::string lower(std::string_view s)
{
    std::string out{s};
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Walks the text word by word; rest() keeps the remaining text as typed.
class lexer {
public:
    explicit lexer(std::string_view text) : text_(text) { skip(); }

    bool done() const noexcept { return text_.empty(); }

    std::string_view peek() const noexcept
    {
        auto const end = std::find_if(text_.begin(), text_.end(), is_space);
        return text_.substr(0, static_cast<std::size_t>(end - text_.begin()));
    }

    std::string_view word() noexcept
    {
        auto const w = peek();
        text_.remove_prefix(w.size());
        skip();
        return w;
    }

    std::string rest()
    {
        auto r = text_;
        while (!r.empty() && is_space(r.back()))
            r.remove_suffix(1);
        text_ = {};
        return std::string{r};
    }

private:
    void skip() noexcept
    {
        while (!text_.empty() && is_space(text_.front()))
            text_.remove_prefix(1);
    }

    std::string_view text_;
};

std::optional<case_id> parse_id(std::string_view w) noexcept
{
    if (!w.empty() && w.front() == '#')
        w.remove_prefix(1);
    case_id id = 0;
    auto const [end, ec] = std::from_chars(w.data(), w.data() + w.size(), id);
    if (ec != std::errc{} || end != w.data() + w.size() || id <= 0)
        return std::nullopt;
    return id;
}

std::optional<list_scope> parse_scope(std::string_view w)
{
    auto const s = lower(w);
    if (s == "open") return list_scope::open;
    if (s == "mine") return list_scope::mine;
    if (s == "breached") return list_scope::breached;
    if (s == "waiting") return list_scope::waiting;
    if (s == "all") return list_scope::all;
    return std::nullopt;
}

parse_error wrong(verb v, std::string message)
{
    return {std::move(message), std::string{usage_of(v)}};
}

}  // namespace

std::string_view name_of(verb v) noexcept { return info_of(v).name; }
std::string_view usage_of(verb v) noexcept { return info_of(v).usage; }
std::string_view summary_of(verb v) noexcept { return info_of(v).summary; }

std::optional<verb> parse_verb(std::string_view word) noexcept
{
    auto const w = lower(word);
    for (auto const& i : verbs)
        if (i.name == w)
            return i.v;
    return std::nullopt;
}

std::variant<command, parse_error> parse_command(std::string_view text)
{
    lexer in{text};
    if (in.done())
        return parse_error{"Tell me what to do. `help` lists the commands.", {}};
    auto const first = in.word();
    auto const v = parse_verb(first);
    if (!v)
        return parse_error{"I don't know the command `" + std::string{first.substr(0, 40)} +
                               "`. `help` lists the commands.",
                           {}};
    command cmd;
    cmd.what = *v;

    // Most commands start with a case id.
    auto take_id = [&]() -> std::optional<parse_error> {
        if (in.done())
            return wrong(*v, "Which case? Give its number, like `" + std::string{name_of(*v)} + " 42`.");
        auto const w = in.word();
        cmd.id = parse_id(w);
        if (!cmd.id)
            return wrong(*v, "`" + std::string{w.substr(0, 40)} + "` is not a case number.");
        return std::nullopt;
    };
    auto take_text = [&](std::string_view what) -> std::optional<parse_error> {
        cmd.text = in.rest();
        if (cmd.text.empty())
            return wrong(*v, "Add " + std::string{what} + ".");
        return std::nullopt;
    };
    auto no_more = [&]() -> std::optional<parse_error> {
        if (!in.done())
            return wrong(*v, "Unexpected `" + std::string{in.peek().substr(0, 40)} + "`.");
        return std::nullopt;
    };

    std::optional<parse_error> err;
    switch (*v) {
    case verb::new_case:
        // Severity and category may come in either order before the title, each also
        // written as a label: `new Critical: orders are stuck`.
        for (int i = 0; i < 2 && !in.done(); ++i) {
            auto word = in.peek();
            if (word.size() > 1 && (word.back() == ':' || word.back() == ','))
                word.remove_suffix(1);
            if (auto s = parse_severity(word); s && !cmd.level) {
                cmd.level = s;
                in.word();
            } else if (auto c = parse_category(word); c && !cmd.kind) {
                cmd.kind = c;
                in.word();
            }
        }
        err = take_text("a title: one line on what is wrong");
        break;
    case verb::claim:
    case verb::approve:
    case verb::close:
    case verb::show:
    case verb::why:
        if (!(err = take_id()))
            err = no_more();
        break;
    case verb::ack:
    case verb::resolve:
    case verb::reopen:
        if (!(err = take_id()))
            cmd.text = in.rest();
        break;
    case verb::info:
        if (!(err = take_id()))
            err = take_text("your question for the customer");
        break;
    case verb::update:
        if (!(err = take_id()))
            err = take_text("the text of the update");
        break;
    case verb::note:
        if (!(err = take_id()))
            err = take_text("the details to add");
        break;
    case verb::escalate:
        if (!(err = take_id()))
            err = take_text("a reason");
        break;
    case verb::decline:
        if (!(err = take_id()))
            err = take_text("a reason for the customer");
        break;
    case verb::severity:
        if (!(err = take_id())) {
            if (in.done())
                err = wrong(*v, "Which severity: critical, normal or low?");
            else if (auto const w = in.word(); !(cmd.level = parse_severity(w)))
                err = wrong(*v, "`" + std::string{w.substr(0, 40)} + "` is not a severity: use critical, normal or low.");
            else
                err = take_text("a reason");
        }
        break;
    case verb::category:
        if (!(err = take_id())) {
            if (in.done())
                err = wrong(*v, "Which category?");
            else if (auto const w = in.word(); !(cmd.kind = parse_category(w)))
                err = wrong(*v, "`" + std::string{w.substr(0, 40)} + "` is not a category.");
            else
                err = no_more();
        }
        break;
    case verb::assign:
        if (!(err = take_id())) {
            if (in.done())
                err = wrong(*v, "Assign to whom?");
            else {
                cmd.target = std::string{in.word()};
                err = no_more();
            }
        }
        break;
    case verb::list:
        if (!in.done()) {
            auto const w = in.word();
            if (auto s = parse_scope(w))
                cmd.scope = *s;
            else
                err = wrong(*v, "`" + std::string{w.substr(0, 40)} + "` is not a list: use mine, open, breached, waiting or all.");
            if (!err)
                err = no_more();
        }
        break;
    case verb::sla:
        err = no_more();
        break;
    case verb::contacts: {
        auto const sub = in.done() ? std::string{"list"} : lower(in.word());
        if (sub == "list") {
            cmd.contacts = contacts_op::list;
            err = no_more();
        } else if (sub == "add" || sub == "remove") {
            cmd.contacts = sub == "add" ? contacts_op::add : contacts_op::remove;
            if (in.done())
                err = wrong(*v, "Which address?");
            else {
                cmd.target = std::string{in.word()};
                cmd.text = in.rest();
                if (cmd.contacts == contacts_op::remove && !cmd.text.empty())
                    err = wrong(*v, "Give only the address to remove.");
            }
        } else {
            err = wrong(*v, "`" + sub.substr(0, 40) + "`: use list, add or remove.");
        }
        break;
    }
    case verb::help:
        if (!in.done())
            cmd.target = lower(in.word());
        err = no_more();
        break;
    }
    if (err)
        return *err;
    return cmd;
}

}  // namespace bot::commands
