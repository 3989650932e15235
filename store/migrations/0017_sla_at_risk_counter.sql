-- 0017: the header's "SLA at risk" from a counter, like the other figures,
-- instead of a count over the open incidents at every refresh of every
-- session. An incident is at risk while open and past 75% of its resolve
-- target (sla_flags 1) or of its respond target unacknowledged (flags 4,
-- 8); the SLA sweep sets the flags, so the count changes only with writes.
INSERT INTO counters (name, value)
SELECT 'sla_at_risk', count(*) FROM incidents WHERE is_open AND (sla_flags & 1 OR (sla_flags & 12 AND ack_at IS NULL));

CREATE TRIGGER incidents_risk_insert AFTER INSERT ON incidents
WHEN new.is_open AND (new.sla_flags & 1 OR (new.sla_flags & 12 AND new.ack_at IS NULL)) BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'sla_at_risk';
END;

CREATE TRIGGER incidents_risk_update AFTER UPDATE OF state, sla_flags, ack_at ON incidents
WHEN (old.is_open AND (old.sla_flags & 1 OR (old.sla_flags & 12 AND old.ack_at IS NULL)))
  IS NOT (new.is_open AND (new.sla_flags & 1 OR (new.sla_flags & 12 AND new.ack_at IS NULL))) BEGIN
    UPDATE counters SET value = value
        + (new.is_open AND (new.sla_flags & 1 OR (new.sla_flags & 12 AND new.ack_at IS NULL)))
        - (old.is_open AND (old.sla_flags & 1 OR (old.sla_flags & 12 AND old.ack_at IS NULL)))
    WHERE name = 'sla_at_risk';
END;

CREATE TRIGGER incidents_risk_delete AFTER DELETE ON incidents
WHEN old.is_open AND (old.sla_flags & 1 OR (old.sla_flags & 12 AND old.ack_at IS NULL)) BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'sla_at_risk';
END;
