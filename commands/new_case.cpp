#include "bot/change_messages.hpp"
#include "bot/describe.hpp"
#include "bot/utf8.hpp"
#include "commands/case_command.hpp"
#include "commands/case_view.hpp"
#include "commands/handlers.hpp"

#include <fmt/format.h>

namespace bot::commands {
namespace {
constexpr std::size_t max_title = 200;
}  // namespace

// new [severity] [category] <title>: file a case for the channel's customer.
result<reply> new_case(const command& cmd, const invocation& in, context& ctx)
{
    std::string customer = in.who.customer;
    if (in.who.is_staff()) {
        auto const* link = ctx.people.channel(in.where, in.channel);
        if (!link || link->customer.empty())
            return reply::refusal("This channel belongs to no customer. Open the case in the customer's channel "
                                  "so it is filed for them.");
        customer = link->customer;
    }
    if (customer.empty())
        return reply::refusal("I can't tell which organisation you are with, so I can't file a case here.");
    // A customer's case lives in its organisation's channel: its card and every update
    // go where the case was filed, so from another customer's channel, the team's own
    // channels or any other conversation they would show to the wrong people.
    if (!in.who.is_staff()) {
        auto const* link = ctx.people.channel(in.where, in.channel);
        if (link && !link->customer.empty() && link->customer != customer)
            return reply::refusal("This channel belongs to another organisation, so I can't file your case here. "
                                  "Open it in your own organisation's support channel.");
        if (!link || link->customer.empty())
            return reply::refusal("Cases are filed in your organisation's support channel, where the team answers "
                                  "them. Open it there.");
    }

    auto const level = cmd.level.value_or(severity::normal);
    // Saying Critical without a category means a software error: nothing else can be Critical.
    auto const kind = cmd.kind.value_or(level == severity::critical ? bot::category::error : bot::category::question);
    auto const id = ctx.cases.allocate_case_id();
    if (!id)
        return id.error();

    new_case_request req;
    req.id = *id;
    req.customer = customer;
    req.origin = {in.where, in.channel, in.thread};
    req.title = shorten(cmd.text.substr(0, cmd.text.find('\n')), max_title);
    req.description = in.description.empty() ? cmd.text : in.description;
    req.kind = kind;
    req.level = level;

    auto decided = open_case(req, in.who, domain_of(ctx));
    auto change = std::get<case_change>(std::move(decided));
    auto const opened = change.after;
    if (auto saved = commit_change(ctx, std::move(change)); !saved)
        return saved.error();

    auto const now = ctx.clock.now();
    std::string text = fmt::format("Opened {}: {}", case_tag(opened.id), opened.title);
    if (opened.level != level)
        text += fmt::format("\nOnly a software error can be Critical, so {} is {}.", case_tag(opened.id),
                            to_string(opened.level));
    if (!is_covered(opened.kind))
        text += "\n" + coverage_text(opened.kind, ctx.vendor) + " It is recorded without SLA clocks.";
    else if (auto note = closed_note(ctx.rules.calendar_for(opened.level), now); !note.empty())
        text += "\n" + note;
    auto r = reply::ok(std::move(text), opened.id);
    r.fields = case_fields(opened, now, ctx.rules, ctx.people);
    return r;
}

}  // namespace bot::commands
