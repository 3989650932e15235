-- 0018: the feed after storms, as store/migrations/0018 for SQLite. A storm
-- shows as one row and its members are left out; with storm_member first
-- the rows the feed shows are one range of the index, in feed order, and a
-- storm of 60,000 members is not walked past on the way to the first page.
DROP INDEX alerts_feed;
CREATE INDEX alerts_feed ON alerts (storm_member, firing DESC, severity, last_seen DESC, id DESC);
