-- casebot schema, version 7: fewer steps to write a case or queue a message.
--
-- The partial indexes for `list mine` named open cases `state IN ('open',
-- 'responded', 'waiting')`. SQLite tests such a list through a temporary index of
-- its values, built afresh (an in-memory b-tree) by every statement that tests it:
-- each case inserted built two. The same condition as equalities joined by OR is
-- tested in place. The list queries repeat the new terms word for word, as SQLite
-- uses a partial index only for a query whose terms match.
DROP INDEX cases_open_by_assignee;
DROP INDEX cases_open_by_opener;
CREATE INDEX cases_open_by_assignee ON cases (assignee)
    WHERE state = 'open' OR state = 'responded' OR state = 'waiting';
CREATE INDEX cases_open_by_opener ON cases (opened_by)
    WHERE state = 'open' OR state = 'responded' OR state = 'waiting';

-- outbox_pending (the pending messages in id order) was the delivery worker's way in
-- before version 6; the worker now reads each channel's head through
-- outbox_pending_by_channel, and `casebot outbox` lists the pending messages through
-- that index too. One index fewer to write for every message queued and delivered.
DROP INDEX outbox_pending;
