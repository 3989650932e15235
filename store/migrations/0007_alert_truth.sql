-- 0007_alert_truth: stale alerts, firings counted apart from deliveries, and
-- storms that stand for their firing members.

-- A firing alert its sender has not repeated for longer than the sender's
-- repeat interval is stale: it is not known to be firing any more.
ALTER TABLE alerts ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;

-- count was "deliveries"; it becomes "firings" (the first firing and every
-- re-fire after a resolve), which alert_changes has recorded all along.
ALTER TABLE alerts ADD COLUMN deliveries INTEGER NOT NULL DEFAULT 1;
UPDATE alerts SET deliveries = count;
UPDATE alerts SET count = (SELECT count(*) FROM alert_changes c WHERE c.alert_id = alerts.id AND c.state = 'firing');

-- "firing" is redefined as firing and heard from: the one definition the
-- header, the feed, the CLI, the report and storms all count. A generated
-- column cannot be altered, so what uses it is dropped and made again.
DROP TRIGGER alerts_count_insert;
DROP TRIGGER alerts_count_update;
DROP TRIGGER alerts_count_delete;
DROP INDEX alerts_feed;
ALTER TABLE alerts DROP COLUMN firing;
ALTER TABLE alerts ADD COLUMN firing INTEGER GENERATED ALWAYS AS (state = 'firing' AND NOT stale) VIRTUAL;
CREATE INDEX alerts_feed ON alerts (firing DESC, severity, last_seen DESC, id DESC, storm_member, name, service, summary);

CREATE TRIGGER alerts_count_insert AFTER INSERT ON alerts BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'alerts';
    UPDATE counters SET value = value + 1 WHERE name = 'firing' AND new.firing;
END;

CREATE TRIGGER alerts_count_update AFTER UPDATE OF state, stale ON alerts
WHEN old.firing IS NOT new.firing BEGIN
    UPDATE counters SET value = value + new.firing - old.firing WHERE name = 'firing';
END;

CREATE TRIGGER alerts_count_delete AFTER DELETE ON alerts BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'alerts';
    UPDATE counters SET value = value - 1 WHERE name = 'firing' AND old.firing;
END;

-- A storm is shown by its most pressing member, in feed order: firing
-- first, then the worst severity, then the latest. The row is elected
-- again whenever a drop touches the storm, from this index (one seek), so
-- a storm stays in the feed while any member fires, whichever resolves
-- first. An expanded storm lists its members in the same order.
DROP INDEX alerts_storm;
CREATE INDEX alerts_storm ON alerts (storm_id, firing DESC, severity, last_seen DESC, id DESC) WHERE storm_id IS NOT NULL;

-- How many of a storm's members fire, kept with the storm's size.
ALTER TABLE storms ADD COLUMN firing INTEGER NOT NULL DEFAULT 0;
UPDATE storms SET
    firing = (SELECT count(*) FROM alerts WHERE storm_id = storms.id AND firing = 1),
    head_alert = ifnull((SELECT id FROM alerts WHERE storm_id = storms.id
                         ORDER BY firing DESC, severity, last_seen DESC, id DESC LIMIT 1), head_alert);
UPDATE alerts SET storm_member = (id <> (SELECT head_alert FROM storms WHERE storms.id = alerts.storm_id))
WHERE storm_id IS NOT NULL;
