#pragma once
// Customers, their channels, people and roles, and where the team wants its
// reminders and pings: the configured world the commands run in. Immutable once
// built; the server swaps in a new one on reload.
#include "bot/actor.hpp"
#include "bot/case_record.hpp"
#include "bot/message.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bot {

struct person {
    std::string id;          // short config id, e.g. "ana"
    std::string name;
    role who = role::agent;
    std::string customer;    // for customers configured by name: their organisation
    std::string slack_user;  // U…
    std::string teams_user;  // 29:… (Bot Framework / outgoing webhook `from.id`) or Entra object id
};

struct customer_org {
    std::string id;                        // short config id, e.g. "acme"
    std::string name;
    std::vector<std::string> slack_teams;  // their Slack team ids (Slack Connect)
};

// Which top-level messages in a customer channel open a case.
enum class open_mode { every_message, mention_only };

struct channel_link {
    platform where = platform::slack;
    std::string channel;        // platform channel id
    std::string customer;       // customer id; empty for the team's own channels
    open_mode opens = open_mode::every_message;
    std::string workflows_url;  // Teams: where proactive posts go (a secret)
    // Teams: the security token of the outgoing webhook of this channel's team (a secret;
    // base64, as Teams shows it). Empty: [teams] webhook_secret serves.
    std::string webhook_secret;
};

enum class leads_delivery { channel, direct_message };

struct routing {
    std::vector<destination> agents_channels;   // reminders also go here
    std::string slack_agents_group;             // Slack user group id mentioned for unclaimed cases
    leads_delivery leads = leads_delivery::channel;
    std::vector<destination> leads_channels;    // breach pings when leads = channel
    std::vector<destination> escalation;        // the further escalation target(s)
};

struct team_identity {
    std::string slack_team;             // our own Slack team id
    bool team_members_are_agents = true;  // members of our team not configured otherwise are agents
    std::string teams_tenant;           // our own Entra tenant id
};

class directory {
public:
    directory() = default;
    directory(std::vector<customer_org> customers, std::vector<person> people, std::vector<channel_link> channels,
              routing routes, team_identity team);

    const std::vector<customer_org>& customers() const noexcept { return customers_; }
    const std::vector<person>& people() const noexcept { return people_; }
    const std::vector<channel_link>& channels() const noexcept { return channels_; }
    const routing& routes() const noexcept { return routes_; }
    const team_identity& team() const noexcept { return team_; }

    const customer_org* customer(std::string_view id) const noexcept;
    // The customer as people read it: its configured name, or its id when it has none
    // or is not configured.
    std::string customer_name(std::string_view id) const;
    const person* find_person(std::string_view id) const noexcept;
    const person* person_on(platform where, std::string_view platform_user) const noexcept;
    const channel_link* channel(platform where, std::string_view channel_id) const noexcept;
    // The customer whose channel this is when everyone in it sees every answer (Teams,
    // where the bot cannot answer one person alone): only that customer's cases may
    // come up there, whoever asks. Empty elsewhere.
    std::string answers_shown_to(platform where, std::string_view channel_id) const;
    // A channel id on any platform (for the CLI, where ids are unique enough).
    const channel_link* any_channel(std::string_view channel_id) const noexcept;
    std::vector<const person*> leads() const;

    // Who `platform_user` is when speaking in `channel` (may be empty). `user_team` is
    // the user's Slack team or Teams tenant, when known. nullopt: a stranger outside any
    // customer channel, who may do nothing.
    std::optional<actor> identify(platform where, std::string_view platform_user, std::string_view user_team,
                                  std::string_view channel) const;

    // A configured person acting from the command line.
    std::optional<actor> as_person(std::string_view person_id) const;

    // The concrete messages a notice about `c` becomes.
    std::vector<outbound_message> route(const notice& n, const case_record& c) const;

    // How to mention an actor id on a platform; nullopt when it has no id there.
    std::optional<mention> mention_of(std::string_view actor_id, platform where) const;
    std::string display_name(std::string_view actor_id) const;

private:
    std::vector<customer_org> customers_;
    std::vector<person> people_;
    std::vector<channel_link> channels_;
    routing routes_;
    team_identity team_;
};

}  // namespace bot
