-- 0019: the feed's text filter served by an index, as SQLite's is since
-- 0016: a GIN trigram index on an alert's name, service and summary
-- together (pg_trgm), which finds the few alerts that may hold rare text;
-- the filter's own ILIKE then checks those exactly (store/pg/read.go).
--
-- pg_trgm is an extension: it is created in the schema public, shared by
-- every hypercare schema of the database (an extension is one per
-- database), where the database owner may create it (it is trusted since
-- PostgreSQL 13) or where it is installed already. Where it may not be,
-- nothing is made: the filter walks alerts_feed in feed order as before,
-- quick for common text and a scan for rare text, and hypercare says so
-- when it opens the database (DB.TextIndexed).
DO $$
DECLARE
    trgm text;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    EXCEPTION WHEN unique_violation THEN
        NULL; -- another schema's migration created it meanwhile: it is there now
    WHEN OTHERS THEN
        RAISE NOTICE 'hypercare: pg_trgm could not be created (%): the alert text filter scans for rare text', SQLERRM;
    END;
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    IF trgm IS NOT NULL THEN
        EXECUTE format('CREATE INDEX alerts_text_trgm ON alerts USING gin ((name || %L || service || %L || summary) %I.gin_trgm_ops)',
            ' ', ' ', trgm);
        -- The planner judges how many alerts hold a text by the index
        -- expression's statistics: without them it takes the index for
        -- text most alerts hold too, and sorts them all.
        ANALYZE alerts;
    END IF;
END $$;
