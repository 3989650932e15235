-- 0009: deploys that pipelines report. A deploy is known by its service
-- and key (the pipeline's own id, or version@start), so a report repeated
-- or sent again when the deploy ends finds the first. change_id is the
-- authorised change that covers it; named_change is what the pipeline
-- said, kept even when no such change exists; unauthorised marks a deploy
-- no authorised change covers, and note says why.
CREATE TABLE deploys (
    id           INTEGER PRIMARY KEY,
    service      TEXT NOT NULL,
    key          TEXT NOT NULL,
    version      TEXT NOT NULL,
    deployer     TEXT NOT NULL DEFAULT '',
    start_at     INTEGER NOT NULL,
    end_at       INTEGER,
    status       TEXT NOT NULL,
    url          TEXT NOT NULL DEFAULT '',
    named_change INTEGER,
    change_id    INTEGER REFERENCES changes (id),
    unauthorised INTEGER NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',
    recorded_at  INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
-- One deploy per service and key; also the per-service lookups.
CREATE UNIQUE INDEX deploys_key ON deploys (service, key);
-- "Deploys between times" (the calendar, the report), by start.
CREATE INDEX deploys_start ON deploys (start_at, id);
-- A change's deploys.
CREATE INDEX deploys_change ON deploys (change_id, start_at) WHERE change_id IS NOT NULL;
