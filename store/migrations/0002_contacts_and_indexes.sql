-- casebot schema, version 2: customers' notification contacts, and the indexes
-- the scheduler, `list`, thread lookups and the delivery worker read through.

CREATE TABLE contacts (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    address     TEXT NOT NULL COLLATE NOCASE,  -- e-mail addresses compare case-insensitively
    name        TEXT NOT NULL DEFAULT '',
    added_by    TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    UNIQUE (customer_id, address)
);

-- The scheduler reads cases by due alarm; only cases with an alarm are indexed,
-- so a pass costs O(due cases), not O(open cases).
CREATE INDEX cases_by_next_alarm ON cases (next_alarm_at) WHERE next_alarm_at IS NOT NULL;

-- `list` for one organisation, and for everyone by state (also count_open_cases).
CREATE INDEX cases_by_customer_state ON cases (customer, state);
CREATE INDEX cases_by_state ON cases (state);

-- Thread replies find their case by the thread root or by the case card.
CREATE INDEX cases_by_thread ON cases (origin_platform, origin_channel, origin_thread);
CREATE INDEX cases_by_card ON cases (origin_platform, origin_channel, card_ref) WHERE card_ref <> '';

-- The delivery worker reads pending messages that are ready.
CREATE INDEX outbox_ready ON outbox (state, next_attempt_at);
