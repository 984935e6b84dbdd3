// The Events API side of the Slack app: messages, mentions and reactions in
// customer channels (design.md §5).
#include "webhooks/slack_app.hpp"

#include "bot/case_ops.hpp"
#include "commands/case_command.hpp"
#include "commands/handlers.hpp"
#include "commands/permissions.hpp"
#include "webhooks/json_fields.hpp"
#include "webhooks/slack_api.hpp"
#include "webhooks/slack_payloads.hpp"
#include "webhooks/slack_render.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace bot::webhooks {
namespace {
constexpr std::size_t max_title = 200;

// Removes a leading "<@BOT>" mention; true when there was one.
bool strip_mention(std::string& text, std::string_view bot_user)
{
    auto const start = text.find_first_not_of(" \t\n");
    if (start == std::string::npos || bot_user.empty())
        return false;
    auto const mention = "<@" + std::string{bot_user};
    if (text.compare(start, mention.size(), mention) != 0)
        return false;
    auto const close = text.find('>', start);
    text.erase(0, close == std::string::npos ? text.size() : close + 1);
    text.erase(0, std::min(text.find_first_not_of(" \t\n"), text.size()));
    return true;
}

// Whether `inside` (between < and >) is Slack's markup rather than typed text, which
// arrives decoded and may hold < and > too: a person (@U…), a channel (#C…), a
// special mention (!here, !subteam^S…) or a link (scheme:…), each with an optional |label.
bool is_markup(std::string_view inside)
{
    auto const target = inside.substr(0, inside.find('|'));
    if (target.starts_with('!'))
        return target.size() > 1 && target.find(' ') == std::string_view::npos;
    return is_link_markup(inside);
}

// Slack's markup for people, channels and links (<@U…>, <#C…|name>, <https://…|label>,
// <!here>) as a person reads it, for a title shown everywhere as plain text: "@Ana
// Alvarez", "#name", "label". The bot's own mention goes.
std::string readable(std::string_view text, const desk_snapshot& desk)
{
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        auto const open = text.find('<', at);
        auto const close = open == std::string_view::npos ? open : text.find('>', open);
        if (close == std::string_view::npos) {
            out += text.substr(at);
            break;
        }
        auto const inside = text.substr(open + 1, close - open - 1);
        if (!is_markup(inside)) {   // typed: "Totals < 0 > expected"
            out += text.substr(at, open + 1 - at);
            at = open + 1;
            continue;
        }
        out += text.substr(at, open - at);
        auto const bar = inside.find('|');
        auto const target = inside.substr(0, bar);
        auto const label = bar == std::string_view::npos ? std::string_view{} : inside.substr(bar + 1);
        at = close + 1;
        if (target.starts_with('@')) {
            auto const user = target.substr(1);
            if (user != desk.slack_bot_user) {
                auto const* p = desk.people.person_on(platform::slack, user);
                out += "@" + std::string{p ? std::string_view{p->name} : !label.empty() ? label : user};
            } else if (at < text.size() && text[at] == ' ' && (out.empty() || out.back() == ' ')) {
                ++at;   // "Hi <@BOT> the export…": one space stays
            }
        } else if (target.starts_with('#')) {
            out += "#" + std::string{label.empty() ? target.substr(1) : label};
        } else if (target.starts_with("!date")) {   // <!date^…|Feb 18>: the fallback text
            out += std::string{label};
        } else if (target.starts_with('!')) {   // <!here>, <!subteam^S…|@support>
            auto const name = label.empty() ? target.substr(1, target.find('^') - 1) : label;
            out += (name.starts_with('@') ? "" : "@") + std::string{name};
        } else {
            out += std::string{label.empty() ? target : label};
        }
    }
    return out;
}

// The first line with words on it.
std::string title_of(std::string_view text)
{
    constexpr std::string_view blank = " \t\r\n";
    for (std::size_t start = 0; start < text.size();) {
        auto const end = std::min(text.find('\n', start), text.size());
        auto line = text.substr(start, end - start);
        if (auto const first = line.find_first_not_of(blank); first != std::string_view::npos)
            return std::string{line.substr(first, line.find_last_not_of(blank) - first + 1)};
        start = end + 1;
    }
    return "(no text)";
}

bool is_command(const std::string& text)
{
    return std::holds_alternative<commands::command>(commands::parse_command(text));
}

// The verb a text starts with, if its first word is one ("claim", "new", …).
std::optional<commands::verb> first_verb(std::string_view text)
{
    return commands::parse_verb(text.substr(0, text.find_first_of(" \t\n")));
}

// A customer's message in a channel where every message opens a case that is written
// as one of the commands `help` shows them, whole: `help` (or `help close`), `show 5`,
// `why 5`, `list`, `close 5`, or `new` with a severity and a category (`new normal
// question How do I export?`), or Critical alone (`new critical Checkout is down`).
// Anything else is their words, and a case: "New users cannot log in", "New normal for
// us: exports are slow", "Help me with exports", "Note 3 users cannot log in", "Reopen 3
// tabs and it crashes" (verbs whose free text reads like a sentence are left out;
// `reopen 5 <reason>` works in the case's thread).
bool typed_as_command(const std::string& text)
{
    using commands::verb;
    auto const parsed = commands::parse_command(text);
    auto const* cmd = std::get_if<commands::command>(&parsed);
    if (cmd == nullptr)
        return false;
    switch (cmd->what) {
    case verb::new_case:   // `new critical …` alone means a software error
        return cmd->level.has_value() && (cmd->kind.has_value() || *cmd->level == severity::critical);
    case verb::help:
        return cmd->target.empty() || commands::parse_verb(cmd->target).has_value();
    case verb::show:
    case verb::why:
    case verb::list:
    case verb::close:
        return true;
    default:
        return false;
    }
}

// `close 5` or `reopen 5 …` written in #5's own thread, as the resolution notice asks
// ("Reply `close 5` to confirm"): a command even without a mention of the bot.
bool answers_resolution(const std::string& text, case_id id)
{
    auto const parsed = commands::parse_command(text);
    auto const* cmd = std::get_if<commands::command>(&parsed);
    return cmd != nullptr && (cmd->what == commands::verb::close || cmd->what == commands::verb::reopen) &&
           cmd->id == id;
}

// The command a mention in #5's thread starts with, when the person may run it:
// "@casebot claim" is `claim 5` (a command that names no case takes the thread's), and
// "@casebot update" alone is answered with update's usage rather than recorded as an
// update reading "update". Empty when the words are no command of theirs: a
// customer's "@casebot update please?" stays their words on the case.
std::optional<std::string> thread_command(const std::string& text, case_id id, const actor& who)
{
    auto const v = first_verb(text);
    if (!v || !commands::may_run(who.who, *v))
        return std::nullopt;
    using commands::verb;
    if (*v == verb::new_case || *v == verb::list || *v == verb::sla || *v == verb::contacts || *v == verb::help)
        return text;   // they name no case: their usage is the answer
    auto const end = std::min(text.find_first_of(" \t\n"), text.size());
    auto named = text.substr(0, end) + " " + std::to_string(id) + text.substr(end);
    return is_command(named) ? named : text;
}

// One message is one change, whichever events carry it: a mention in a mention-only
// channel arrives as a `message` and an `app_mention` event, each with an event_id of
// its own (protocols.md §1.3: deduplicate messages by channel and ts).
std::string message_key(const slack_event& e)
{
    return "slack:message:" + e.channel + ":" + e.ts;
}
}  // namespace

struct slack_app::event_context {
    const slack_event& e;
    std::shared_ptr<const desk_snapshot> desk;
    std::string key;   // dedupe key for the change this event causes
};

bool slack_app::handle_event(const slack_event& e)
{
    auto desk = d_.desk.get();
    if (e.user.empty() || !e.bot_id.empty() || e.user == desk->slack_bot_user)
        return true;   // our own posts and other bots' are not for us
    event_context ec{e, desk, "slack:" + e.event_id};
    if (e.type == "message")
        return on_message(ec);
    if (e.type == "app_mention")
        return on_mention(ec);
    if (e.type == "reaction_added")
        return on_reaction(ec);
    return true;
}

bool slack_app::on_message(event_context& ec)
{
    auto const& e = ec.e;
    // Plain posts, posts with files, and thread replies also sent to the channel.
    if (!e.subtype.empty() && e.subtype != "file_share" && e.subtype != "thread_broadcast")
        return true;
    if (e.ts.empty())
        return true;   // no message to answer in the thread of (Slack always names it)
    auto const& desk = *ec.desk;
    auto who = identify(desk, e.user, e.user_team, e.channel, false);
    if (!who)
        return true;
    std::string text = e.text;
    bool const addressed = strip_mention(text, desk.slack_bot_user);

    if (!e.thread_ts.empty() && e.thread_ts != e.ts) {
        auto found = d_.cases.find_by_thread(platform::slack, e.channel, e.thread_ts);
        if (!found)
            return false;
        if (!*found)
            return true;   // a thread that is not a case
        if ((addressed && is_command(text)) || answers_resolution(text, (*found)->id))
            return run_and_reply(ec, *who, text, e.thread_ts);
        if (addressed)
            if (auto command = thread_command(text, (*found)->id, *who))
                return run_and_reply(ec, *who, *command, e.thread_ts);
        // A reply in the case's thread: from an agent the response or an update,
        // from the customer more details (and a waiting case resumes).
        commands::invocation in;
        in.who = *who;
        in.where = platform::slack;
        in.channel = e.channel;
        in.thread = e.thread_ts;
        commands::context ctx{d_.cases, d_.clock, desk.rules, desk.people, desk.vendor, message_key(e)};
        auto out = commands::change_case(
            in, ctx, (*found)->id,
            [&](const case_record& c, const domain_context& dc) { return bot::reply(c, *who, text, dc, true); },
            [](const case_record&) { return commands::reply::ok(""); });
        if (!out && out.error() != errc::duplicate) {
            d_.log->error("slack: thread reply on #{} failed: {}", (*found)->id, out.error().message());
            return false;
        }
        if (d_.wake_delivery)
            d_.wake_delivery();
        return true;
    }

    auto const* link = desk.people.channel(platform::slack, e.channel);
    // Where a customer's words can open a case, a command of theirs naming a case they
    // cannot see is taken as their words (below, or by the app_mention event).
    bool const opens_cases = link && !link->customer.empty();
    if (addressed && is_command(text) && !(opens_cases && commands::names_a_case_unseen(d_.cases, text, *who)))
        return run_and_reply(ec, *who, text, e.ts);
    if (!link || link->customer.empty() || who->is_staff())
        return true;   // the team's own talk; commands need a mention
    if (link->opens == open_mode::every_message)
        return typed_as_command(text) && !commands::names_a_case_unseen(d_.cases, text, *who)
                   ? run_and_reply(ec, *who, text, e.ts)
                   : open_from_message(ec, *who, text, e.ts);
    // A mention-only channel: remember the message, a 🎫 may make it a case later.
    auto const kept = d_.memory.remember_message(
        seen_message{platform::slack, e.channel, e.ts, e.user, e.user_team, e.text, d_.clock.now()});
    return kept.has_value();
}

bool slack_app::on_mention(event_context& ec)
{
    auto const& e = ec.e;
    auto const& desk = *ec.desk;
    // Thread replies and every-message channels arrive as message events too.
    if (e.ts.empty() || (!e.thread_ts.empty() && e.thread_ts != e.ts))
        return true;
    auto const* link = desk.people.channel(platform::slack, e.channel);
    if (!link || link->opens != open_mode::mention_only)
        return true;
    auto who = identify(desk, e.user, e.user_team, e.channel, false);
    if (!who)
        return true;
    std::string text = e.text;
    strip_mention(text, desk.slack_bot_user);
    if (is_command(text) && (link->customer.empty() || !commands::names_a_case_unseen(d_.cases, text, *who)))
        return run_and_reply(ec, *who, text, e.ts);
    if (who->is_staff())
        return tell(e.channel, e.ts, e.user, "Say a command after the mention, e.g. `help`.", ec.key);
    return open_from_message(ec, *who, text, e.ts);
}

bool slack_app::open_from_message(event_context& ec, const bot::actor& author, std::string_view text,
                                  std::string_view ts)
{
    auto const& desk = *ec.desk;
    commands::invocation in;
    in.where = platform::slack;
    in.channel = ec.e.item_channel.empty() ? ec.e.channel : ec.e.item_channel;
    in.thread = std::string{ts};
    // One message opens one case, however many events name it: Slack's retries, a
    // 🎫 on it, or the same message delivered to each organisation of a Slack Connect
    // channel that installed the app, each with an event_id of its own. Looking first
    // also keeps a repeat from using up a case number.
    auto const existing = d_.cases.find_by_thread(platform::slack, in.channel, in.thread);
    if (!existing)
        return false;
    if (*existing)
        return true;
    commands::command cmd;
    cmd.what = commands::verb::new_case;
    cmd.text = title_of(readable(text, desk)).substr(0, max_title * 4);
    in.who = author;
    in.description = std::string{text};
    auto const key = "slack:opened-from:" + in.channel + ":" + in.thread;  // for two events at once
    commands::context ctx{d_.cases, d_.clock, desk.rules, desk.people, desk.vendor, key};
    auto out = commands::new_case(cmd, in, ctx);
    if (!out) {
        if (out.error() == errc::duplicate)
            return true;
        d_.log->error("slack: cannot open a case from a message: {}", out.error().message());
        return false;
    }
    if (d_.wake_delivery)
        d_.wake_delivery();
    return true;
}

bool slack_app::run_and_reply(event_context& ec, const bot::actor& who, std::string_view text,
                              std::string_view thread)
{
    auto const& desk = *ec.desk;
    commands::invocation in;
    in.who = who;
    in.where = platform::slack;
    in.channel = ec.e.channel;
    in.thread = std::string{thread};
    // `new` written in another case's thread opens a case of its own, with its card as
    // a new message in the channel: in that thread it would answer for the other case.
    if (thread != ec.e.ts && first_verb(text) == commands::verb::new_case)
        in.thread.clear();
    auto const key = message_key(ec.e);
    commands::context ctx{d_.cases, d_.clock, desk.rules, desk.people, desk.vendor, key};
    auto out = dispatch_.run(text, in, ctx);
    if (!out && out.error() == errc::duplicate)
        return true;
    if (!out) {
        // Nothing was changed: Slack sends the event again (the answer is a 500), and the
        // retry answers. An apology under the reply's key would silence that answer.
        d_.log->error("slack: command from a message failed: {}", out.error().message());
        return false;
    }
    // The answer is for the one who asked, in the thread they asked in; the key keeps
    // the message's other event, or a retried one, from answering twice.
    // An answer that looks something up (show, why, list) carries its fields; a change's
    // answer does not repeat what the case card shows.
    tell(ec.e.channel, std::string{thread}, ec.e.user,
         out->kind == commands::reply_kind::info ? out->text_with_fields() : out->text, key + ":reply");
    return true;
}

bool slack_app::on_reaction(event_context& ec)
{
    auto const& e = ec.e;
    auto const& desk = *ec.desk;
    if (e.reaction != "ticket" && e.reaction != "eyes" && e.reaction != "white_check_mark")
        return true;
    if (e.item_channel.empty() || e.item_ts.empty())
        return true;
    auto found = d_.cases.find_by_thread(platform::slack, e.item_channel, e.item_ts);
    if (!found)
        return false;

    if (e.reaction == "ticket") {
        if (*found)
            return true;   // already a case
        auto const* link = desk.people.channel(platform::slack, e.item_channel);
        if (!link || link->customer.empty())
            return true;
        auto message = d_.memory.find_message(platform::slack, e.item_channel, e.item_ts);
        if (!message)
            return false;
        std::optional<seen_message> m = *message;
        if (!m && d_.api) {
            auto looked_up = d_.api->message_at(e.item_channel, e.item_ts);
            if (!looked_up.value && looked_up.call.ok) {
                // Slack read the channel, and the message is not among its messages: a
                // reply in a thread, which a channel's history does not hold.
                d_.log->info("slack: 🎫 on {} in {}, not a message of the channel (a thread reply?): told {}",
                             e.item_ts, e.item_channel, e.user);
                return tell(e.item_channel, {}, e.user,
                            "🎫 opens a case from a message in the channel, not from a reply in a thread. Post it "
                            "in the channel, or type `/case new <title>`.",
                            ec.key + ":reply");
            }
            if (!looked_up.value) {
                d_.log->warn("slack: 🎫 on a message I cannot read: {}", looked_up.call.error);
                return !looked_up.call.retryable();
            }
            auto const& o = *looked_up.value;
            using json_fields::str;
            auto team = str(o, "user_team");
            if (team.empty())
                team = str(o, "team");
            m = seen_message{platform::slack, e.item_channel, e.item_ts, str(o, "user"), team,
                             slack_plain_text(str(o, "text")), d_.clock.now()};
        }
        if (!m)
            return true;
        // The case belongs to the customer who wrote the message, whoever reacted.
        auto author = identify(desk, m->user.empty() ? e.item_user : m->user, m->team, e.item_channel, true);
        if (!author || author->is_staff())
            return true;
        return open_from_message(ec, *author, m->text, e.item_ts);
    }

    if (!*found)
        return true;
    auto who = identify(desk, e.user, {}, e.item_channel, true);
    if (!who || !who->is_staff())
        return true;   // a customer's 👀 or ✅ is a reaction like any other, not a command
    // A reaction states a fact, like the one already there: a 👀 of the agent who has
    // the case, or a ✅ on a case already resolved (Slack's retry of the same event
    // among them), needs no answer.
    auto const& c = **found;
    if ((e.reaction == "eyes" && c.assignee == who->id) ||
        (e.reaction == "white_check_mark" && (c.state == case_state::resolved || c.state == case_state::closed)))
        return true;
    auto const verb = e.reaction == "eyes" ? "claim " : "resolve ";
    commands::invocation in;
    in.who = *who;
    in.where = platform::slack;
    in.channel = e.item_channel;
    in.pressed = true;
    commands::context ctx{d_.cases, d_.clock, desk.rules, desk.people, desk.vendor, ec.key};
    auto out = dispatch_.run(verb + std::to_string((*found)->id), in, ctx);
    if (!out && out.error() == errc::duplicate)
        return true;
    if (!out) {
        d_.log->error("slack: reaction {} failed: {}", e.reaction, out.error().message());
        return false;
    }
    if (out->kind != commands::reply_kind::ok)
        tell(e.item_channel, (*found)->origin.thread, e.user, out->text, ec.key + ":reply");
    if (d_.wake_delivery)
        d_.wake_delivery();
    return true;
}

}  // namespace bot::webhooks
