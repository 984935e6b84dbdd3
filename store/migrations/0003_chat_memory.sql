-- casebot schema, version 3: what the chat adapters remember between requests.

-- Platform events already handled (Slack event_id, …): a retried delivery finds its
-- key here and changes nothing. Written in the same transaction as the case change
-- the event caused. Old keys are dropped once platforms no longer retry them.
CREATE TABLE processed_events (
    key     TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX processed_events_by_age ON processed_events (seen_at);

-- Recent top-level messages in customer channels that did not open a case, so a
-- 🎫 reaction can open one from them later.
CREATE TABLE seen_messages (
    platform TEXT NOT NULL,
    channel  TEXT NOT NULL,
    ts       TEXT NOT NULL,
    user     TEXT NOT NULL,
    team     TEXT NOT NULL DEFAULT '',
    text     TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (platform, channel, ts)
) WITHOUT ROWID;
CREATE INDEX seen_messages_by_age ON seen_messages (at);

-- The team each chat user belongs to, as last seen (Slack Connect tells customers
-- from agents by team; reaction events do not carry it).
CREATE TABLE chat_users (
    platform TEXT NOT NULL,
    user     TEXT NOT NULL,
    team     TEXT NOT NULL,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (platform, user)
) WITHOUT ROWID;

-- A message may be shown to one user only (a Slack ephemeral message).
ALTER TABLE outbox ADD COLUMN only_for TEXT NOT NULL DEFAULT '';
