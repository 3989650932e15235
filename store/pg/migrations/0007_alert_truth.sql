-- 0007_alert_truth: stale alerts, firings counted apart from deliveries, and
-- storms that stand for their firing members.

-- A firing alert its sender has not repeated for longer than the sender's
-- repeat interval is stale: it is not known to be firing any more.
ALTER TABLE alerts ADD COLUMN stale boolean NOT NULL DEFAULT false;

-- count was "deliveries"; it becomes "firings".
ALTER TABLE alerts ADD COLUMN deliveries integer NOT NULL DEFAULT 1;
UPDATE alerts SET deliveries = count;
UPDATE alerts SET count = (SELECT count(*) FROM alert_changes c WHERE c.alert_id = alerts.id AND c.state = 'firing');

-- "firing" is redefined as firing and heard from. A generated column
-- cannot be altered, so what uses it is dropped and made again; the
-- counting function reads the column by name and carries over. No alert
-- was stale before this migration, so the counter holds.
DROP TRIGGER alerts_count_update ON alerts;
DROP INDEX alerts_feed;
ALTER TABLE alerts DROP COLUMN firing;
ALTER TABLE alerts ADD COLUMN firing boolean GENERATED ALWAYS AS (state = 'firing' AND NOT stale) STORED;
CREATE INDEX alerts_feed ON alerts (firing DESC, severity, last_seen DESC, id DESC);
CREATE TRIGGER alerts_count_update AFTER UPDATE ON alerts
    FOR EACH ROW WHEN (OLD.firing IS DISTINCT FROM NEW.firing) EXECUTE FUNCTION alerts_count();

-- A storm is shown by its most pressing member, in feed order.
DROP INDEX alerts_storm;
CREATE INDEX alerts_storm ON alerts (storm_id, firing DESC, severity, last_seen DESC, id DESC) WHERE storm_id IS NOT NULL;

-- How many of a storm's members fire, kept with the storm's size.
ALTER TABLE storms ADD COLUMN firing integer NOT NULL DEFAULT 0;
UPDATE storms SET
    firing = (SELECT count(*) FROM alerts WHERE storm_id = storms.id AND firing),
    head_alert = coalesce((SELECT id FROM alerts WHERE storm_id = storms.id
                           ORDER BY firing DESC, severity, last_seen DESC, id DESC LIMIT 1), head_alert);
UPDATE alerts SET storm_member = (id <> (SELECT head_alert FROM storms WHERE storms.id = alerts.storm_id))
WHERE storm_id IS NOT NULL;
