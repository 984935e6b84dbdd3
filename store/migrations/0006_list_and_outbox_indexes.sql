-- casebot schema, version 6: `list mine`, `list breached` and the delivery worker
-- without a scan.
--
-- `list mine` and `list breached` read only open cases, which the partial indexes
-- below hold (a closed case leaves them), so their cost follows what they list,
-- not every case ever opened. The WHERE clauses repeat the store's list filters
-- word for word: SQLite uses a partial index only for a query whose terms match.
CREATE INDEX cases_open_by_assignee ON cases (assignee)
    WHERE state IN ('open', 'responded', 'waiting');
CREATE INDEX cases_open_by_opener ON cases (opened_by)
    WHERE state IN ('open', 'responded', 'waiting');
CREATE INDEX cases_breached ON cases (customer)
    WHERE ((state = 'open' AND initial_breached = 1) OR (state = 'responded' AND status_breached = 1));

-- The delivery worker reads, for each channel with pending messages, only the first
-- few of them (a channel waiting for a retry or for its pacing sends nothing more):
-- it steps from channel to channel through this index, then reads each channel's
-- head in id order, so a round costs what the channels hold at their heads, not
-- the whole backlog.
CREATE INDEX outbox_pending_by_channel ON outbox (platform, channel, id) WHERE state = 'pending';
