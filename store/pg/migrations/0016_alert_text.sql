-- 0016: on SQLite, an FTS5 trigram index for the feed's text filter.
-- PostgreSQL's counterpart would be pg_trgm, an extension not every
-- database owner may create; here the filter walks alerts_feed in feed
-- order and stops at a page: quick for text many alerts hold, a scan for
-- text almost none holds. The number is kept so that both stores count
-- their schema the same way.
SELECT 1;
