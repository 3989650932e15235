-- 0011: services as the plan describes them, and the expiries hypercare
-- watches: the last check of each endpoint's certificate, and the warning
-- last raised for each licence or certificate.
ALTER TABLE services ADD COLUMN version text NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN platform text NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN urls text NOT NULL DEFAULT '[]';
ALTER TABLE services ADD COLUMN rpo bigint NOT NULL DEFAULT 0;
ALTER TABLE services ADD COLUMN rto bigint NOT NULL DEFAULT 0;

CREATE TABLE certificates (
    endpoint   text PRIMARY KEY,
    name       text NOT NULL,
    service    text NOT NULL DEFAULT '',
    subject    text NOT NULL DEFAULT '',
    issuer     text NOT NULL DEFAULT '',
    dns_names  text NOT NULL DEFAULT '[]',
    serial     text NOT NULL DEFAULT '',
    not_before bigint,
    not_after  bigint NOT NULL,
    untrusted  text NOT NULL DEFAULT '',
    checked_at bigint NOT NULL,
    checked_by text NOT NULL
);

CREATE TABLE expiry_notices (
    key         text PRIMARY KEY,
    expires_at  bigint NOT NULL,
    stage       integer NOT NULL,
    alert_key   text NOT NULL,
    incident_id bigint REFERENCES incidents (id),
    raised_at   bigint NOT NULL
);
