#include "config/destination.hpp"
#include "config/sections.hpp"
#include "config/slack_ids.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace bot::config::detail {
namespace {

using seen_map = std::map<std::string, place, std::less<>>;

void require_slack_id(slack_id_kind kind, std::string_view text, const place& where)
{
    if (auto problem = slack_id_problem(kind, text))
        fail(where, std::move(*problem));
}

// The second of two equal values fails, naming where the first one is.
void require_unique(seen_map& seen, const std::string& value, const place& where, std::string_view what)
{
    auto const [it, inserted] = seen.emplace(value, where);
    if (!inserted)
        fail(where, fmt::format("duplicate {} '{}' (first at line {})", what, value, it->second.line));
}

// Ids appear in commands and as actor ids ("<platform>:<user>" is reserved for unconfigured people).
std::string read_id(table_reader& t)
{
    auto id = t.required_string("id");
    auto const ok = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.'; };
    if (!std::all_of(id.begin(), id.end(), ok))
        fail(t.where("id"), fmt::format("'{}' is not a valid id; use letters, digits, '.', '_' and '-'", id));
    return id;
}

void require_customer(const seen_map& customers, const std::string& id, const place& where)
{
    if (customers.contains(id))
        return;
    std::vector<std::string_view> known;
    for (auto const& [k, v] : customers)
        known.push_back(k);
    if (known.empty())
        fail(where, fmt::format("unknown customer '{}'; no [[customers]] are configured", id));
    fail(where, fmt::format("unknown customer '{}'; configured customers: {}", id, fmt::join(known, ", ")));
}

team_identity read_team(table_reader& root)
{
    team_identity team;
    if (auto t = root.table("team")) {
        team.slack_team = t->string("slack_team").value_or("");
        if (!team.slack_team.empty())
            require_slack_id(slack_id_kind::team, team.slack_team, t->where("slack_team"));
        team.team_members_are_agents = t->boolean("team_members_are_agents").value_or(team.team_members_are_agents);
        team.teams_tenant = t->string("teams_tenant").value_or("");
        t->finish();
    }
    return team;
}

open_mode read_opens(table_reader& t)
{
    auto const text = t.string("opens");
    if (!text || *text == "every_message")
        return open_mode::every_message;
    if (*text == "mention_only")
        return open_mode::mention_only;
    fail(t.where("opens"), fmt::format("'{}' is not a way to open cases; write \"every_message\" or "
                                       "\"mention_only\"",
                                       *text));
}

// A channel; `customer` is its organisation ("" for the team's own). Placed at its id.
// Finishes the table: read any other key of it first.
located<channel_link> read_channel(table_reader& t, std::string customer)
{
    channel_link link;
    auto const name = t.required_string("platform");
    auto const where = parse_platform(name);
    if (!where)
        fail(t.where("platform"), fmt::format("'{}' is not a platform; write \"slack\", \"teams\" or \"cli\"", name));
    link.where = *where;
    link.channel = t.required_string("id");
    if (link.where == platform::slack)
        require_slack_id(slack_id_kind::channel, link.channel, t.where("id"));
    link.customer = std::move(customer);
    link.opens = read_opens(t);
    if (auto url = t.string("workflows_url")) {
        if (link.where != platform::teams)
            fail(t.where("workflows_url"), "workflows_url applies to Teams channels only");
        if (!url->starts_with("https://"))
            fail(t.where("workflows_url"), "must be an https:// URL");
        link.workflows_url = std::move(*url);
    }
    if (auto secret = t.string("webhook_secret")) {
        if (link.where != platform::teams)
            fail(t.where("webhook_secret"), "webhook_secret applies to Teams channels only");
        link.webhook_secret = secret_text(*secret);
    }
    t.finish();
    return {std::move(link), t.where("id")};
}

person read_person(table_reader& t, const seen_map& customers)
{
    person p;
    p.id = read_id(t);
    p.name = t.string("name").value_or(p.id);
    auto const role_name = t.required_string("role");
    auto const who = parse_role(role_name);
    if (!who)
        fail(t.where("role"), fmt::format("'{}' is not a role; write \"customer\", \"agent\" or \"lead\"", role_name));
    p.who = *who;
    auto customer = t.string("customer");
    if (p.who == role::customer) {
        if (!customer)
            fail(t.where("customer"), "a person with role = \"customer\" needs customer = \"<customer id>\"");
        require_customer(customers, *customer, t.where("customer"));
        p.customer = std::move(*customer);
    } else if (customer) {
        fail(t.where("customer"), fmt::format("only a person with role = \"customer\" belongs to a customer; "
                                              "'{}' is {}",
                                              p.id, to_string(p.who)));
    }
    p.slack_user = t.string("slack").value_or("");
    if (!p.slack_user.empty())
        require_slack_id(slack_id_kind::user, p.slack_user, t.where("slack"));
    p.teams_user = t.string("teams").value_or("");
    t.finish();
    return p;
}

std::vector<person> read_people(table_reader& root, const seen_map& customers)
{
    std::vector<person> people;
    seen_map ids;
    seen_map slack_users;
    seen_map teams_users;
    for (auto& t : root.tables("people")) {
        auto p = read_person(t, customers);
        require_unique(ids, p.id, t.where("id"), "person id");
        // One platform user is one person: identify() must not have to guess.
        if (!p.slack_user.empty())
            require_unique(slack_users, p.slack_user, t.where("slack"), "Slack user");
        if (!p.teams_user.empty())
            require_unique(teams_users, p.teams_user, t.where("teams"), "Teams user");
        people.push_back(std::move(p));
    }
    return people;
}

leads_delivery read_leads(table_reader& t)
{
    auto const text = t.string("leads");
    if (!text || *text == "channel")
        return leads_delivery::channel;
    if (*text == "dm")
        return leads_delivery::direct_message;
    fail(t.where("leads"), fmt::format("'{}' is not a way to reach the leads; write \"channel\" or \"dm\"", *text));
}

// Team destinations must never be a customer's channel: the customer would read internal pings.
void require_team_channels(const std::vector<located<destination>>& destinations,
                           const std::vector<located<channel_link>>& channels)
{
    for (auto const& d : destinations)
        for (auto const& c : channels)
            if (c.value.where == d.value.where && c.value.channel == d.value.channel && !c.value.customer.empty())
                fail(d.where, fmt::format("{}:{} is customer {}'s channel; reminders and pings for the team "
                                          "must not go there",
                                          to_string(d.value.where), d.value.channel, c.value.customer));
}

routing read_routing(table_reader& root, const std::vector<located<channel_link>>& channels,
                     const std::vector<person>& people, std::vector<located<destination>> escalation)
{
    routing routes;
    require_team_channels(escalation, channels);
    for (auto& d : escalation)
        routes.escalation.push_back(std::move(d.value));

    auto t = root.table("routing");
    if (!t)
        return routes;
    auto const agents = read_destinations(*t, "agents_channels");
    routes.slack_agents_group = t->string("slack_agents_group").value_or("");
    if (!routes.slack_agents_group.empty())
        require_slack_id(slack_id_kind::user_group, routes.slack_agents_group, t->where("slack_agents_group"));
    bool const leads_chosen = t->has("leads");
    routes.leads = read_leads(*t);
    auto const leads = read_destinations(*t, "leads_channels");
    t->finish();

    require_team_channels(agents, channels);
    require_team_channels(leads, channels);
    // An explicit choice must reach someone: breach pings that go nowhere are worse than an error.
    if (leads_chosen && routes.leads == leads_delivery::channel && leads.empty())
        fail(t->where("leads"), "leads = \"channel\" needs leads_channels, e.g. [\"slack:C0LEADS\"]");
    if (routes.leads == leads_delivery::direct_message &&
        std::none_of(people.begin(), people.end(), [](auto const& p) { return p.who == role::lead; }))
        fail(t->where("leads"), "leads = \"dm\" needs at least one person with role = \"lead\"");

    for (auto const& d : agents)
        routes.agents_channels.push_back(d.value);
    for (auto const& d : leads)
        routes.leads_channels.push_back(d.value);
    return routes;
}
}  // namespace

std::vector<located<destination>> read_destinations(table_reader& table, std::string_view key)
{
    std::vector<located<destination>> out;
    for (auto const& text : table.strings(key).value_or(std::vector<located<std::string>>{})) {
        auto d = parse_destination(text.value);
        if (!d)
            fail(text.where, fmt::format("'{}' is not a destination; write \"slack:C0123ABCD\", "
                                         "\"teams:19:…@thread.tacv2\" or \"cli:agents\"",
                                         text.value));
        if (d->where == platform::slack)
            require_slack_id(slack_id_kind::channel, d->channel, text.where);
        if (std::any_of(out.begin(), out.end(), [&](auto const& o) { return o.value == *d; }))
            fail(text.where, fmt::format("'{}' is listed twice", text.value));
        out.push_back({std::move(*d), text.where});
    }
    return out;
}

bot::directory read_directory(table_reader& root, std::vector<located<destination>> escalation_targets)
{
    auto team = read_team(root);

    std::vector<customer_org> customers;
    std::vector<located<channel_link>> channels;
    seen_map customer_ids;
    seen_map slack_teams;
    for (auto& t : root.tables("customers")) {
        customer_org org;
        org.id = read_id(t);
        require_unique(customer_ids, org.id, t.where("id"), "customer id");
        org.name = t.string("name").value_or(org.id);
        for (auto& slack_team : t.strings("slack_teams").value_or(std::vector<located<std::string>>{})) {
            require_slack_id(slack_id_kind::team, slack_team.value, slack_team.where);
            if (!team.slack_team.empty() && slack_team.value == team.slack_team)
                fail(slack_team.where, fmt::format("'{}' is our own Slack team ([team] slack_team), not a "
                                                   "customer's",
                                                   slack_team.value));
            require_unique(slack_teams, slack_team.value, slack_team.where, "Slack team");
            org.slack_teams.push_back(std::move(slack_team.value));
        }
        for (auto& c : t.tables("channels"))
            channels.push_back(read_channel(c, org.id));
        t.finish();
        customers.push_back(std::move(org));
    }

    // Top-level [[channels]]: a customer's (customer = "acme") or the team's own (no customer).
    for (auto& t : root.tables("channels")) {
        auto customer = t.string("customer").value_or("");
        if (!customer.empty())
            require_customer(customer_ids, customer, t.where("customer"));
        channels.push_back(read_channel(t, std::move(customer)));
    }
    for (auto const p : all_platforms) {
        seen_map ids;
        for (auto const& c : channels)
            if (c.value.where == p)
                require_unique(ids, c.value.channel, c.where, fmt::format("{} channel", to_string(p)));
    }

    auto people = read_people(root, customer_ids);
    auto routes = read_routing(root, channels, people, std::move(escalation_targets));

    std::vector<channel_link> links;
    for (auto& c : channels)
        links.push_back(std::move(c.value));
    return bot::directory{std::move(customers), std::move(people), std::move(links), std::move(routes),
                          std::move(team)};
}

}  // namespace bot::config::detail
