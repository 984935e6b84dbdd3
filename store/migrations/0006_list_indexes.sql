-- casebot schema, version 6: `list mine` and `list breached` without a scan. Both
-- read only open cases, which the partial indexes below hold (a closed case leaves
-- them), so their cost follows what they list, not every case ever opened. The
-- WHERE clauses repeat the store's list filters word for word: SQLite uses a
-- partial index only for a query whose terms match its own.
CREATE INDEX cases_open_by_assignee ON cases (assignee)
    WHERE state IN ('open', 'responded', 'waiting');
CREATE INDEX cases_open_by_opener ON cases (opened_by)
    WHERE state IN ('open', 'responded', 'waiting');
CREATE INDEX cases_breached ON cases (customer)
    WHERE ((state = 'open' AND initial_breached = 1) OR (state = 'responded' AND status_breached = 1));
