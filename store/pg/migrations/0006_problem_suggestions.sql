-- 0006_problem_suggestions: what the recurrence rule reads on every queue
-- refresh, kept cheap: an index for its read, and a counter of the incident
-- changes that can change its answer.
CREATE INDEX incidents_recurrence ON incidents (opened_at)
    INCLUDE (service, category, priority, state, kind, problem_id, merged_into);

INSERT INTO counters (name, value) VALUES ('incidents_changed', 0);

CREATE FUNCTION incidents_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO counter_deltas VALUES ('incidents_changed', 1);
    RETURN NULL;
END $$;
CREATE TRIGGER incidents_changed AFTER INSERT OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incidents_changed();
CREATE TRIGGER incidents_changed_update AFTER UPDATE ON incidents
    FOR EACH ROW WHEN (OLD.problem_id IS DISTINCT FROM NEW.problem_id OR OLD.state IS DISTINCT FROM NEW.state
       OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.merged_into IS DISTINCT FROM NEW.merged_into
       OR OLD.service IS DISTINCT FROM NEW.service OR OLD.category IS DISTINCT FROM NEW.category
       OR OLD.priority IS DISTINCT FROM NEW.priority OR OLD.opened_at IS DISTINCT FROM NEW.opened_at)
    EXECUTE FUNCTION incidents_changed();
