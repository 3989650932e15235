-- 0001_init: the first schema. Times are INTEGER unix milliseconds UTC;
-- NULL is "not set". Lists and maps are JSON text.

CREATE TABLE services (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    tier        INTEGER NOT NULL DEFAULT 0,
    owner       TEXT NOT NULL DEFAULT '',
    environment TEXT NOT NULL DEFAULT '',
    depends_on  TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    dedup_key   TEXT NOT NULL UNIQUE,
    source      TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    severity    INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
    -- prev_state is the state before the latest delivery; UpsertAlert
    -- compares it with state to report a change in the same statement.
    prev_state  TEXT,
    service     TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '',
    labels      TEXT NOT NULL DEFAULT '{}',
    annotations TEXT NOT NULL DEFAULT '{}',
    starts_at   INTEGER,
    ends_at     INTEGER,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    count       INTEGER NOT NULL DEFAULT 1,
    ack_by      TEXT NOT NULL DEFAULT '',
    ack_at      INTEGER,
    firing      INTEGER GENERATED ALWAYS AS (state = 'firing') VIRTUAL
) STRICT;

-- The feed's ORDER BY, column for column, so the first page is read off the
-- index; "firing only" is an equality on its first column. The columns a
-- filter searches ride along, so a filter is tested on index entries and
-- only matching rows are read from the table: a filter that matches none
-- of 1M alerts takes 0.4s instead of 13s of random reads.
CREATE INDEX alerts_feed ON alerts (firing DESC, severity, last_seen DESC, id DESC, name, service, summary);

CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('incident', 'request')),
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    service     TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT '',
    impact      INTEGER NOT NULL,
    urgency     INTEGER NOT NULL,
    priority    INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('new', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled')),
    major       INTEGER NOT NULL DEFAULT 0,
    team        TEXT NOT NULL DEFAULT '',
    assignee    TEXT NOT NULL DEFAULT '',
    escalation  INTEGER NOT NULL DEFAULT 0,
    opened_at   INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    ack_at      INTEGER,
    resolved_at INTEGER,
    resolve_due INTEGER,
    resolution  TEXT NOT NULL DEFAULT '',
    reopens     INTEGER NOT NULL DEFAULT 0,
    -- The one definition of "open", shared by the queue index and the counters.
    is_open     INTEGER GENERATED ALWAYS AS (state IN ('new', 'in_progress', 'on_hold')) VIRTUAL,
    -- No due date sorts after every due date, which NULL in an ascending
    -- index would not.
    due_order   INTEGER GENERATED ALWAYS AS (ifnull(resolve_due, 9223372036854775807)) VIRTUAL
) STRICT;

-- The queue: only the few hundred open rows, in display order.
CREATE INDEX incidents_queue ON incidents (major DESC, priority, due_order) WHERE is_open;
-- The queue with closed records included, newest first; filtered columns
-- ride along as in alerts_feed.
CREATE INDEX incidents_opened ON incidents (opened_at, id, title, service, assignee);

CREATE TABLE timeline (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL DEFAULT '',
    text        TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX timeline_incident ON timeline (incident_id, at);

CREATE TABLE changes (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    service     TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL,
    state       TEXT NOT NULL,
    risk        INTEGER NOT NULL,
    implementer TEXT NOT NULL DEFAULT '',
    start_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    close_code  TEXT NOT NULL DEFAULT '',
    CHECK (end_at > start_at)
) STRICT;

-- end_at rides along so the overlap test never reads the table.
CREATE INDEX changes_start ON changes (start_at, end_at);
-- The longest change bounds how far before a window an overlapping change
-- can start; max() over this index is one seek.
CREATE INDEX changes_duration ON changes (end_at - start_at);

CREATE TABLE articles (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('draft', 'review', 'published', 'retired')),
    service    TEXT NOT NULL DEFAULT '',
    tags       TEXT NOT NULL DEFAULT '[]',
    body       TEXT NOT NULL DEFAULT '',
    updated_at INTEGER,
    author     TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX articles_title ON articles (title) WHERE state <> 'retired';

-- External content: the text lives once, in articles; the triggers below keep
-- the index in step with every insert, update and delete.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, body, tags,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The rank column is bm25 with a title hit worth ten body hits and a tag
-- hit four. Ordering by rank lets FTS5 hand rows over already sorted, so
-- snippets are only built for the page that is shown.
INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 4.0)');

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, body, tags ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
    INSERT INTO articles_fts (rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags);
END;

CREATE TABLE operators (
    name      TEXT PRIMARY KEY,
    role      TEXT NOT NULL,
    last_seen INTEGER
) STRICT;

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    before_json TEXT NOT NULL DEFAULT '',
    after_json  TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_at ON audit (at);

-- Nothing, not even a raw SQL session, edits history.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

-- Header figures, kept current by triggers so every frame reads six rows
-- instead of counting a million.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO counters (name, value) VALUES
    ('alerts', 0), ('firing', 0),
    ('incidents', 0), ('open_incidents', 0), ('open_p1', 0), ('open_p2', 0);

CREATE TRIGGER alerts_count_insert AFTER INSERT ON alerts BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'alerts';
    UPDATE counters SET value = value + 1 WHERE name = 'firing' AND new.firing;
END;

CREATE TRIGGER alerts_count_update AFTER UPDATE OF state ON alerts
WHEN old.state IS NOT new.state BEGIN
    UPDATE counters SET value = value + new.firing - old.firing WHERE name = 'firing';
END;

CREATE TRIGGER alerts_count_delete AFTER DELETE ON alerts BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'alerts';
    UPDATE counters SET value = value - 1 WHERE name = 'firing' AND old.firing;
END;

CREATE TRIGGER incidents_count_insert AFTER INSERT ON incidents BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'incidents';
    UPDATE counters SET value = value + 1
    WHERE new.is_open AND (name = 'open_incidents' OR name = 'open_p' || new.priority);
END;

CREATE TRIGGER incidents_count_update AFTER UPDATE OF state, priority ON incidents
WHEN old.is_open IS NOT new.is_open OR old.priority IS NOT new.priority BEGIN
    UPDATE counters SET value = value - 1
    WHERE old.is_open AND (name = 'open_incidents' OR name = 'open_p' || old.priority);
    UPDATE counters SET value = value + 1
    WHERE new.is_open AND (name = 'open_incidents' OR name = 'open_p' || new.priority);
END;

CREATE TRIGGER incidents_count_delete AFTER DELETE ON incidents BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'incidents';
    UPDATE counters SET value = value - 1
    WHERE old.is_open AND (name = 'open_incidents' OR name = 'open_p' || old.priority);
END;
