-- casebot schema, version 8: remember a send whose outcome is not known.
--
-- The delivery worker records each attempt before it sends. When the platform's
-- answer settles it (accepted, refused, rate-limited) the mark goes; when no answer
-- came (the process stopped mid-send, the connection broke, a gateway answered
-- 5xx) the message stays "in doubt": the platform may have posted it. Before trying
-- again the worker looks for it on the platform (Slack: the message's metadata names
-- its outbox id), so a crash between the post and its mark posts nothing twice.
ALTER TABLE outbox ADD COLUMN in_doubt_since INTEGER;  -- NULL: no attempt in doubt
