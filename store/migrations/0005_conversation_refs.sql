-- casebot schema, version 5: where the bot can reach a Teams channel proactively.
-- The Bot Connector's service URL and the channel's conversation id are learned
-- from every activity the channel sends us, and used for replies, reminders and
-- card edits.
CREATE TABLE conversation_refs (
    platform        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    service_url     TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    tenant_id       TEXT NOT NULL DEFAULT '',
    seen_at         INTEGER NOT NULL,
    PRIMARY KEY (platform, channel)
) WITHOUT ROWID;
