#include "bot/directory.hpp"

#include <algorithm>

namespace bot {
namespace {
actor actor_of(const person& p, platform where, std::string_view platform_user)
{
    return actor{p.id, p.name, p.who, p.customer, where, std::string{platform_user}};
}

std::string_view user_on(const person& p, platform where)
{
    switch (where) {
    case platform::slack: return p.slack_user;
    case platform::teams: return p.teams_user;
    case platform::cli: return p.id;
    }
    return {};
}
}  // namespace

directory::directory(std::vector<customer_org> customers, std::vector<person> people,
                     std::vector<channel_link> channels, routing routes, team_identity team)
    : customers_(std::move(customers)),
      people_(std::move(people)),
      channels_(std::move(channels)),
      routes_(std::move(routes)),
      team_(std::move(team))
{
}

const customer_org* directory::customer(std::string_view id) const noexcept
{
    auto it = std::find_if(customers_.begin(), customers_.end(), [&](auto const& c) { return c.id == id; });
    return it == customers_.end() ? nullptr : &*it;
}

std::string directory::customer_name(std::string_view id) const
{
    auto const* org = customer(id);
    return org && !org->name.empty() ? org->name : std::string{id};
}

const person* directory::find_person(std::string_view id) const noexcept
{
    auto it = std::find_if(people_.begin(), people_.end(), [&](auto const& p) { return p.id == id; });
    return it == people_.end() ? nullptr : &*it;
}

const person* directory::person_on(platform where, std::string_view platform_user) const noexcept
{
    if (platform_user.empty())
        return nullptr;
    auto it = std::find_if(people_.begin(), people_.end(),
                           [&](auto const& p) { return user_on(p, where) == platform_user; });
    return it == people_.end() ? nullptr : &*it;
}

const channel_link* directory::channel(platform where, std::string_view channel_id) const noexcept
{
    auto it = std::find_if(channels_.begin(), channels_.end(),
                           [&](auto const& c) { return c.where == where && c.channel == channel_id; });
    return it == channels_.end() ? nullptr : &*it;
}

std::string directory::answers_shown_to(platform where, std::string_view channel_id) const
{
    if (where != platform::teams)
        return {};
    auto const* link = channel(where, channel_id);
    return link ? link->customer : std::string{};
}

const channel_link* directory::any_channel(std::string_view channel_id) const noexcept
{
    auto it = std::find_if(channels_.begin(), channels_.end(), [&](auto const& c) { return c.channel == channel_id; });
    return it == channels_.end() ? nullptr : &*it;
}

std::vector<const person*> directory::leads() const
{
    std::vector<const person*> out;
    for (auto const& p : people_)
        if (p.who == role::lead)
            out.push_back(&p);
    return out;
}

std::optional<actor> directory::identify(platform where, std::string_view platform_user, std::string_view user_team,
                                         std::string_view channel_id) const
{
    if (auto const* p = person_on(where, platform_user))
        return actor_of(*p, where, platform_user);

    std::string const id = std::string{to_string(where)} + ":" + std::string{platform_user};
    auto const* link = channel(where, channel_id);
    bool const customer_channel = link && !link->customer.empty();
    // Our own Slack team's members (or, in Teams, our own tenant's) are staff unless
    // configured otherwise. Slack names the sender's own team, but the tenant of a Teams
    // activity is the conversation's: a customer's guest in a team we host carries our
    // tenant's id. So in a customer's Teams channel only configured people are staff.
    auto const& ours = where == platform::slack ? team_.slack_team : where == platform::teams ? team_.teams_tenant
                                                                                              : std::string{};
    bool const team_tells = where != platform::teams || !customer_channel;
    if (team_tells && !ours.empty() && user_team == ours && team_.team_members_are_agents)
        return actor{id, std::string{platform_user}, role::agent, {}, where, std::string{platform_user}};

    // Anyone else in a customer's channel speaks for that customer. A user whose Slack
    // team belongs to another configured customer keeps their own organisation.
    if (!customer_channel)
        return std::nullopt;
    std::string org = link->customer;
    if (!user_team.empty())
        for (auto const& c : customers_)
            if (std::find(c.slack_teams.begin(), c.slack_teams.end(), user_team) != c.slack_teams.end())
                org = c.id;
    return actor{id, std::string{platform_user}, role::customer, org, where, std::string{platform_user}};
}

std::optional<actor> directory::as_person(std::string_view person_id) const
{
    if (auto const* p = find_person(person_id))
        return actor_of(*p, platform::cli, p->id);
    return std::nullopt;
}

std::optional<mention> directory::mention_of(std::string_view actor_id, platform where) const
{
    if (auto const* p = find_person(actor_id)) {
        auto const user = user_on(*p, where);
        if (user.empty())
            return std::nullopt;
        return mention{std::string{user}, p->name, false};
    }
    // Someone not configured: their actor id is "<platform>:<user>".
    auto const prefix = std::string{to_string(where)} + ":";
    if (actor_id.starts_with(prefix))
        return mention{std::string{actor_id.substr(prefix.size())}, std::string{actor_id.substr(prefix.size())},
                       false};
    return std::nullopt;
}

std::string directory::display_name(std::string_view actor_id) const
{
    if (auto const* p = find_person(actor_id))
        return p->name;
    auto const colon = actor_id.find(':');
    return std::string{colon == std::string_view::npos ? actor_id : actor_id.substr(colon + 1)};
}

std::vector<outbound_message> directory::route(const notice& n, const case_record& c) const
{
    std::vector<outbound_message> out;
    auto add = [&](destination to) {
        outbound_message m;
        m.case_ref = c.id;
        m.kind = n.kind;
        m.to = std::move(to);
        m.text = n.text;
        if (n.mention_owner) {
            if (!c.assignee.empty()) {
                if (auto who = mention_of(c.assignee, m.to.where))
                    m.mentions.push_back(*who);
            } else if (m.to.where == platform::slack && !routes_.slack_agents_group.empty()) {
                m.mentions.push_back({routes_.slack_agents_group, "agents", true});
            } else if (m.to.where == platform::cli) {
                m.mentions.push_back({"agents", "agents", true});
            }
        }
        out.push_back(std::move(m));
    };

    switch (n.to) {
    case audience::case_thread:
        add(destination{c.origin.where, c.origin.channel, c.origin.thread, true, false, {}});
        break;
    case audience::agents:
        for (auto const& d : routes_.agents_channels)
            add(d);
        break;
    case audience::leads:
        if (routes_.leads == leads_delivery::channel) {
            for (auto const& d : routes_.leads_channels)
                add(d);
        } else {
            for (auto const* lead : leads()) {
                // A lead is messaged where they have an id, Slack first.
                for (auto where : {platform::slack, platform::teams, platform::cli}) {
                    auto const user = user_on(*lead, where);
                    if (!user.empty()) {
                        add(destination{where, std::string{user}, {}, false, true, {}});
                        break;
                    }
                }
            }
        }
        break;
    case audience::escalation:
        for (auto const& d : routes_.escalation)
            add(d);
        break;
    }
    return out;
}

}  // namespace bot
