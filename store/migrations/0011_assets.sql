-- 0011: services as the plan describes them, and the expiries hypercare
-- watches. A service carries its release, platform, URLs and recovery
-- objectives (milliseconds). certificates holds the last check of each
-- endpoint (hypercare cert check); expiry_notices the warning last raised
-- for each licence or certificate, by its key, with the expiry it was
-- raised for, so every warning is raised once across restarts and
-- processes.
ALTER TABLE services ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN platform TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN urls TEXT NOT NULL DEFAULT '[]';
ALTER TABLE services ADD COLUMN rpo INTEGER NOT NULL DEFAULT 0;
ALTER TABLE services ADD COLUMN rto INTEGER NOT NULL DEFAULT 0;

CREATE TABLE certificates (
    endpoint   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    service    TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    issuer     TEXT NOT NULL DEFAULT '',
    dns_names  TEXT NOT NULL DEFAULT '[]',
    serial     TEXT NOT NULL DEFAULT '',
    not_before INTEGER,
    not_after  INTEGER NOT NULL,
    untrusted  TEXT NOT NULL DEFAULT '',
    checked_at INTEGER NOT NULL,
    checked_by TEXT NOT NULL
) STRICT;

CREATE TABLE expiry_notices (
    key         TEXT PRIMARY KEY,
    expires_at  INTEGER NOT NULL,
    stage       INTEGER NOT NULL,
    alert_key   TEXT NOT NULL,
    incident_id INTEGER REFERENCES incidents (id),
    raised_at   INTEGER NOT NULL
) STRICT;

