-- 0018: the feed after storms. A storm shows as one row and its other
-- alerts (storm_member = 1) are left out, but in alerts_feed they sat
-- among the rest in feed order: after a storm of 60,000 firing alerts the
-- first page walked past all of them (7 ms instead of 0.5). With
-- storm_member first, the rows the feed shows are one range of the index,
-- in feed order, and the members another, which a filter (it looks at
-- members too) reads beside it and merges (store/read.go). Rebuilding the
-- index takes a while on a large database (about 30 s for a million alerts
-- on a busy machine), once.
DROP INDEX alerts_feed;
CREATE INDEX alerts_feed ON alerts (storm_member, firing DESC, severity, last_seen DESC, id DESC, name, service, summary);
