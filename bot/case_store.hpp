#pragma once
// The port through which commands and the scheduler reach stored cases. The
// SQLite adapter lives in store/; tests use tests/support/fake_case_store.
#include "bot/case_record.hpp"
#include "bot/errc.hpp"
#include "bot/message.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace bot {

enum class list_scope { open, mine, breached, waiting, all };

struct case_query {
    list_scope scope = list_scope::open;
    std::optional<std::string> customer;   // only this organisation's cases
    std::string actor_id;                  // for `mine`: assigned to (staff) or opened by (customer)
    std::size_t limit = 50;
};

// A case change as stored: the new case, its history lines and its messages.
struct stored_change {
    case_record after;
    std::int64_t expected_version = 0;     // 0 inserts a new case
    std::vector<case_event> events;
    std::vector<outbound_message> messages;
    // When set, the change is written only if this key was never written before
    // (errc::duplicate otherwise): a retried chat event changes nothing.
    std::string dedupe_key;
};

struct contact {
    std::string customer;
    std::string address;    // e-mail address or chat handle
    std::string name;
    std::string added_by;
    wall_time added_at{};
    friend bool operator==(const contact&, const contact&) = default;
};

class case_store {
public:
    virtual ~case_store() = default;

    // A fresh case number, never handed out before (numbers of failed commands are skipped).
    virtual result<case_id> allocate_case_id() = 0;
    virtual result<std::optional<case_record>> find(case_id id) = 0;
    // The case living in a conversation thread (Slack thread ts, Teams reply chain).
    virtual result<std::optional<case_record>> find_by_thread(platform where, std::string_view channel,
                                                              std::string_view thread) = 0;
    virtual result<std::vector<case_record>> list(const case_query& q) = 0;
    virtual result<std::vector<case_event>> history(case_id id) = 0;

    // Writes the case, appends its history and enqueues its messages, all or nothing.
    // errc::conflict when the stored version is no longer `expected_version`.
    virtual result<void> commit(const stored_change& change) = 0;

    // Several changes in one transaction; an item that conflicts is skipped (and its id
    // returned) while the others commit.
    virtual result<std::vector<case_id>> commit_batch(std::span<const stored_change> changes) = 0;

    // Cases whose next alarm is due by `now`, earliest first: indexed by due instant.
    virtual result<std::vector<case_record>> due_cases(wall_time now, std::size_t limit) = 0;

    // Enqueues messages that belong to no case change (a reply to a chat command, say),
    // in one transaction; with a dedupe_key, only if that key was never written before
    // (errc::duplicate otherwise).
    virtual result<void> enqueue(std::span<const outbound_message> messages, std::string_view dedupe_key) = 0;

    virtual result<std::vector<contact>> contacts(std::string_view customer) = 0;
    // false when the address is already a contact of that customer.
    virtual result<bool> add_contact(const contact& c) = 0;
    // false when there was no such contact.
    virtual result<bool> remove_contact(std::string_view customer, std::string_view address) = 0;
};

}  // namespace bot
