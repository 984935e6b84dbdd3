-- casebot schema, version 10: two indexes leave out the cases they cannot find.
--
-- cases_by_thread finds a case by its thread, which is always named; a case opened
-- by a slash command has none ('') until its card is posted, and cases_open_by_assignee
-- is looked up by a person, never by the '' of a case nobody has claimed. Leaving those
-- entries out spares every new case two index writes (and each batch of them two
-- pages), the look-ups unchanged: they name the same condition.
DROP INDEX cases_by_thread;
CREATE INDEX cases_by_thread ON cases (origin_platform, origin_channel, origin_thread)
    WHERE origin_thread <> '';
DROP INDEX cases_open_by_assignee;
CREATE INDEX cases_open_by_assignee ON cases (assignee)
    WHERE (state = 'open' OR state = 'responded' OR state = 'waiting') AND assignee <> '';
