-- casebot schema, version 9: a declined case remembers that it was waiting.
--
-- A case reclassified out of the Support Program leaves its state behind for
-- `declined`. One that was waiting on the customer must come back waiting (its
-- status clock paused until the customer answers), not as if the team owed the
-- next update; `responded` and `open` follow from whether anyone has responded.
-- Cases declined while waiting before this version read 0: they come back
-- `responded`, as they did.
ALTER TABLE cases ADD COLUMN declined_while_waiting INTEGER NOT NULL DEFAULT 0
    CHECK (declined_while_waiting IN (0, 1));
