#include "support/sample_world.hpp"

#include "support/test_time.hpp"

#include <stdexcept>

namespace bot::test {

bot::directory sample_directory()
{
    std::vector<customer_org> customers{{"acme", "Acme Corp", {"T0ACME"}}, {"globex", "Globex", {}}};
    std::vector<person> people{
        {"ana", "Ana Alvarez", role::agent, "", "U0ANA", ""},
        {"raj", "Raj Patel", role::agent, "", "U0RAJ", "29:raj"},
        {"lea", "Lea Lindqvist", role::lead, "", "U0LEA", ""},
        {"carol", "Carol Chen", role::customer, "acme", "U0CAROL", ""},
        {"gus", "Gus Grant", role::customer, "globex", "", "29:gus"},
    };
    std::vector<channel_link> channels{
        {platform::slack, acme_channel, "acme", open_mode::every_message, "", ""},
        {platform::teams, globex_channel, "globex", open_mode::mention_only, "https://workflows.invalid/globex", ""},
    };
    routing routes;
    routes.agents_channels = {{platform::slack, agents_channel, "", false, false, {}}};
    routes.slack_agents_group = "S0AGENTS";
    routes.leads = leads_delivery::channel;
    routes.leads_channels = {{platform::slack, leads_channel, "", false, false, {}}};
    team_identity team{"T0VENDOR", true, ""};
    return directory{std::move(customers), std::move(people), std::move(channels), std::move(routes), team};
}

const bot::program& default_program()
{
    static const bot::program rules = bot::program::defaults(new_york());
    return rules;
}

namespace {
bot::actor configured(const char* id)
{
    static const auto people = sample_directory();
    auto a = people.as_person(id);
    if (!a)
        throw std::logic_error("sample world has no person " + std::string{id});
    return *a;
}
}  // namespace

bot::actor ana() { return configured("ana"); }
bot::actor raj() { return configured("raj"); }
bot::actor lea() { return configured("lea"); }
bot::actor carol() { return configured("carol"); }
bot::actor gus() { return configured("gus"); }

}  // namespace bot::test
