// Every role × every command: who may run what (design.md §1). The expected matrix
// is written out here, independently of commands/permissions.cpp.
#include "commands/permissions.hpp"

#include "desk.hpp"

#include <map>

using namespace bot;
using namespace bot::commands;
using namespace bot::test;

namespace {
struct expectation {
    const char* text;   // the command, with {id} for a case of acme's
    bool customer;
    bool agent;
    bool lead;
};

// C = customer, A = agent, L = lead.
const expectation matrix[] = {
    {"new normal error Export fails", true, true, true},
    {"claim {id}", false, true, true},
    {"ack {id} on it", false, true, true},
    {"info {id} Which build?", false, true, true},
    {"update {id} Fix in QA", false, true, true},
    {"note {id} Also in Firefox", true, true, true},
    {"severity {id} low cosmetic after all", true, true, true},
    {"approve {id}", false, false, true},
    {"decline {id} a workaround exists", false, false, true},
    {"category {id} question", false, true, true},
    {"assign {id} @raj", false, false, true},
    {"escalate {id} no answer", true, true, true},
    {"resolve {id} fixed", false, true, true},
    {"close {id}", true, true, true},
    {"reopen {id} still broken", true, true, true},
    {"show {id}", true, true, true},
    {"why {id}", true, true, true},
    {"list", true, true, true},
    {"sla", true, true, true},
    {"contacts", true, true, true},
    {"help", true, true, true},
};

std::string with_id(const char* text, case_id id)
{
    std::string s{text};
    if (auto p = s.find("{id}"); p != std::string::npos)
        s.replace(p, 4, std::to_string(id));
    return s;
}
}  // namespace

TEST_CASE("the role matrix covers every command exactly once")
{
    std::map<std::string, int> seen;
    for (auto const& e : matrix) {
        auto parsed = parse_command(with_id(e.text, 1));
        REQUIRE(std::holds_alternative<command>(parsed));
        ++seen[std::string{name_of(std::get<command>(parsed).what)}];
    }
    for (auto v : all_verbs)
        CHECK_MESSAGE(seen[std::string{name_of(v)}] == 1, name_of(v));
}

TEST_CASE("every role may run exactly the commands the matrix gives it")
{
    const std::pair<const char*, actor (*)()> roles[] = {{"customer", &carol}, {"agent", &ana}, {"lead", &lea}};
    for (auto const& e : matrix) {
        for (auto const& [role_name, who] : roles) {
            desk d;
            auto const id = d.open();
            // A pending request lets approve/decline reach the domain.
            d.run(carol(), "severity " + std::to_string(id) + " critical invoicing stopped");
            auto const text = with_id(e.text, id);
            auto const r = d.run(who(), text);
            bool const expected = std::string_view{role_name} == "customer" ? e.customer
                                  : std::string_view{role_name} == "agent"  ? e.agent
                                                                            : e.lead;
            bool const refused_by_role = r.kind == reply_kind::refusal && contains(r.text, "Only ");
            CAPTURE(role_name);
            CAPTURE(text);
            CAPTURE(r.text);
            CHECK(refused_by_role == !expected);
            CHECK(may_run(who().who, std::get<command>(parse_command(text)).what) == expected);
        }
    }
}

TEST_CASE("a refused command changes nothing")
{
    desk d;
    auto const id = d.open();
    auto const before = d.store.get(id);
    auto const messages = d.store.messages().size();
    for (auto text : {"claim {id}", "resolve {id}", "assign {id} @ana", "approve {id}", "category {id} question"}) {
        auto const r = d.run(carol(), with_id(text, id));
        CHECK(r.kind == reply_kind::refusal);
    }
    CHECK(d.store.get(id) == before);
    CHECK(d.store.messages().size() == messages);
}

TEST_CASE("a customer asking about another customer's case learns nothing about it")
{
    desk d;
    auto const acme_case = d.open();
    auto const missing = acme_case + 1000;
    for (auto verb : {"show", "why", "close", "note", "escalate", "severity", "reopen"}) {
        CAPTURE(verb);
        auto const tail = std::string_view{verb} == "severity" ? " low because" : " something";
        auto const suffix = std::string_view{verb} == "show" || std::string_view{verb} == "why" ||
                                    std::string_view{verb} == "close"
                                ? ""
                                : tail;
        auto const theirs = d.run(gus(), std::string{verb} + " " + std::to_string(acme_case) + suffix, globex_channel);
        auto const nobodys = d.run(gus(), std::string{verb} + " " + std::to_string(missing) + suffix, globex_channel);
        CHECK(theirs.kind == reply_kind::refusal);
        // The only difference may be the number the caller typed.
        auto strip = [](std::string s, case_id n) {
            auto const tag = "#" + std::to_string(n);
            if (auto p = s.find(tag); p != std::string::npos)
                s.erase(p, tag.size());
            return s;
        };
        CHECK(strip(theirs.text, acme_case) == strip(nobodys.text, missing));
        CHECK_FALSE(contains(theirs.text, "Invoices"));
        CHECK_FALSE(contains(theirs.text, "acme"));
    }
    // Their list shows none of acme's cases.
    auto const listed = d.run(gus(), "list all", globex_channel);
    CHECK_FALSE(contains(listed.text, "#" + std::to_string(acme_case)));
}
