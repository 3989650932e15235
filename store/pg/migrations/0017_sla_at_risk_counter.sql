-- 0017: the header's "SLA at risk" from a counter, like the other figures,
-- instead of a count over the open incidents at every refresh of every
-- session. An incident is at risk while open and past 75% of its resolve
-- target (sla_flags 1) or of its respond target unacknowledged (flags 4,
-- 8); the SLA sweep sets the flags, so the count changes only with writes.
-- Deltas, folded once per transaction, as 0001's counters.
INSERT INTO counters (name, value)
SELECT 'sla_at_risk', count(*) FROM incidents
WHERE is_open AND ((sla_flags & 1) <> 0 OR ((sla_flags & 12) <> 0 AND ack_at IS NULL));

CREATE FUNCTION incident_at_risk(is_open boolean, sla_flags integer, ack_at bigint) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN is_open AND ((sla_flags & 1) <> 0 OR ((sla_flags & 12) <> 0 AND ack_at IS NULL)) THEN 1 ELSE 0 END
$$;

CREATE FUNCTION incidents_risk_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d integer := 0;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        d := d + incident_at_risk(NEW.is_open, NEW.sla_flags, NEW.ack_at);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        d := d - incident_at_risk(OLD.is_open, OLD.sla_flags, OLD.ack_at);
    END IF;
    IF d <> 0 THEN
        INSERT INTO counter_deltas VALUES ('sla_at_risk', d);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER incidents_risk AFTER INSERT OR UPDATE OF state, sla_flags, ack_at OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION incidents_risk_count();
