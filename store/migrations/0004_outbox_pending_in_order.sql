-- casebot schema, version 4: the delivery worker reads the pending messages in id
-- order, a batch at a time (a conversation never arrives out of order). outbox_ready
-- (state, next_attempt_at) could not give that order, so every batch sorted every
-- pending message first: with a backlog of n messages each batch cost O(n). This
-- partial index holds only the pending messages, in id order; a batch reads just
-- its rows, and a message leaves the index when it is delivered or given up.
DROP INDEX outbox_ready;
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
