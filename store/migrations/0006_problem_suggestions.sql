-- 0006_problem_suggestions: what the recurrence rule reads on every queue
-- refresh, kept cheap: a covering index for its read, and a counter of the
-- incident changes that can change its answer.

-- The recurrence rule reads every incident opened in the last week that is
-- not linked to a problem; this index holds all it needs, so that read
-- never touches the table.
CREATE INDEX incidents_recurrence ON incidents (opened_at, service, category, priority, state, kind, problem_id, merged_into);

-- Counts the changes that can change the recurrence rule's answer, so the
-- answer is worked out again only when one happened (store/problems.go).
INSERT INTO counters (name, value) VALUES ('incidents_changed', 0);

CREATE TRIGGER incidents_changed_insert AFTER INSERT ON incidents BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'incidents_changed';
END;

CREATE TRIGGER incidents_changed_update AFTER UPDATE ON incidents
WHEN old.problem_id IS NOT new.problem_id OR old.state IS NOT new.state OR old.kind IS NOT new.kind
  OR old.merged_into IS NOT new.merged_into OR old.service IS NOT new.service OR old.category IS NOT new.category
  OR old.priority IS NOT new.priority OR old.opened_at IS NOT new.opened_at BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'incidents_changed';
END;

CREATE TRIGGER incidents_changed_delete AFTER DELETE ON incidents BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'incidents_changed';
END;
