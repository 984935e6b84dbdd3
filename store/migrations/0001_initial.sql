-- casebot schema, version 1: the configured world, cases with their history,
-- the outbox and the case-number counter. Instants are INTEGER unix seconds,
-- enums their bot::to_string() spelling, booleans 0/1.
-- Runs inside one transaction opened by the migration runner: no BEGIN/COMMIT here.
-- CHECKs on the hot tables (cases, outbox) spell enums as OR chains: SQLite builds a
-- temporary index for an IN list of more than two constants on every write.

CREATE TABLE customers (
    id   TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE channels (
    platform    TEXT NOT NULL CHECK (platform IN ('cli', 'slack', 'teams')),
    channel_id  TEXT NOT NULL,
    customer_id TEXT REFERENCES customers (id),  -- NULL: one of the team's own channels
    opens       TEXT NOT NULL DEFAULT 'every_message' CHECK (opens IN ('every_message', 'mention_only')),
    PRIMARY KEY (platform, channel_id)
) WITHOUT ROWID;

CREATE TABLE people (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'lead')),
    customer_id TEXT,                             -- NULL for the support team
    slack_user  TEXT,
    teams_user  TEXT
) WITHOUT ROWID;

-- One column per bot::case_record field; both SLA clocks and the pending
-- severity request are flattened.
CREATE TABLE cases (
    id                INTEGER PRIMARY KEY CHECK (id > 0),  -- case numbers start at 1
    customer          TEXT NOT NULL REFERENCES customers (id),
    origin_platform   TEXT NOT NULL
                      CHECK (origin_platform = 'cli' OR origin_platform = 'slack' OR origin_platform = 'teams'),
    origin_channel    TEXT NOT NULL,
    origin_thread     TEXT NOT NULL DEFAULT '',  -- '' until the case card is posted
    card_ref          TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL
                      CHECK (category = 'error' OR category = 'question' OR category = 'change-request'
                             OR category = 'work-order' OR category = 'crm-maintenance'),
    severity          TEXT NOT NULL CHECK (severity = 'critical' OR severity = 'normal' OR severity = 'low'),
    state             TEXT NOT NULL
                      CHECK (state = 'open' OR state = 'responded' OR state = 'waiting' OR state = 'resolved'
                             OR state = 'closed' OR state = 'declined'),
    opened_by         TEXT NOT NULL,
    assignee          TEXT NOT NULL DEFAULT '',
    assignee_name     TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    responded_at      INTEGER,
    updated_at        INTEGER,
    resolved_at       INTEGER,
    closed_at         INTEGER,
    paused_at         INTEGER,
    paused_business   INTEGER NOT NULL DEFAULT 0,  -- seconds
    initial_anchor    INTEGER,
    initial_due       INTEGER,
    initial_reminded  INTEGER NOT NULL DEFAULT 0 CHECK (initial_reminded IN (0, 1)),
    initial_breached  INTEGER NOT NULL DEFAULT 0 CHECK (initial_breached IN (0, 1)),
    initial_pings     INTEGER NOT NULL DEFAULT 0,
    initial_escalated INTEGER NOT NULL DEFAULT 0 CHECK (initial_escalated IN (0, 1)),
    status_anchor     INTEGER,
    status_due        INTEGER,
    status_reminded   INTEGER NOT NULL DEFAULT 0 CHECK (status_reminded IN (0, 1)),
    status_breached   INTEGER NOT NULL DEFAULT 0 CHECK (status_breached IN (0, 1)),
    status_pings      INTEGER NOT NULL DEFAULT 0,
    status_escalated  INTEGER NOT NULL DEFAULT 0 CHECK (status_escalated IN (0, 1)),
    request_severity  TEXT CHECK (request_severity = 'critical' OR request_severity = 'normal'
                                  OR request_severity = 'low'),  -- NULL: no request
    request_by        TEXT,
    request_reason    TEXT,
    request_at        INTEGER,
    next_alarm_at     INTEGER,                      -- NULL: no alarm to come
    version           INTEGER NOT NULL CHECK (version > 0),
    CHECK ((request_severity IS NULL) = (request_at IS NULL))
);

-- A case's history: appended, never changed.
CREATE TABLE case_events (
    seq     INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    what    TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_by_case ON case_events (case_id, seq);

CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;

-- Messages decided together with the change that caused them, drained by the
-- delivery worker.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER REFERENCES cases (id),
    kind            TEXT NOT NULL,
    platform        TEXT NOT NULL CHECK (platform = 'cli' OR platform = 'slack' OR platform = 'teams'),
    channel         TEXT NOT NULL,
    thread          TEXT NOT NULL DEFAULT '',
    case_thread     INTEGER NOT NULL DEFAULT 0 CHECK (case_thread IN (0, 1)),
    direct          INTEGER NOT NULL DEFAULT 0 CHECK (direct IN (0, 1)),
    text            TEXT NOT NULL,
    mentions        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(mentions)),  -- [{"id","name","group"}]
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state = 'pending' OR state = 'delivered' OR state = 'failed'),
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER,
    failed_at       INTEGER,
    platform_ref    TEXT,
    last_error      TEXT NOT NULL DEFAULT ''
);

-- Case numbers are handed out here, so a number is never reused, even when the
-- command that took it failed.
CREATE TABLE case_numbers (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
);
INSERT INTO case_numbers (id, last) VALUES (1, 0);
