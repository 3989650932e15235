-- 0004_problems: problem records with their RCA and known error, the RCA's
-- actions, and what ties incidents to problems.

CREATE TABLE problems (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL CHECK (title <> ''),
    service       TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL CHECK (state IN ('new', 'assess', 'rca', 'fix_in_progress', 'resolved', 'closed')),
    owner         TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    resolved_at   INTEGER,
    -- The RCA: a free-text timeline, the 5 whys as a JSON list, and the
    -- contributing factors.
    rca_timeline  TEXT NOT NULL DEFAULT '',
    rca_whys      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(rca_whys) AND json_array_length(rca_whys) <= 5),
    rca_factors   TEXT NOT NULL DEFAULT '',
    -- The known error, and the knowledge base article it was published as.
    ke_symptom    TEXT NOT NULL DEFAULT '',
    ke_root_cause TEXT NOT NULL DEFAULT '',
    ke_workaround TEXT NOT NULL DEFAULT '',
    ke_article    INTEGER REFERENCES articles (id) ON DELETE SET NULL,
    -- Open problems list before resolved ones, closed ones last.
    list_order    INTEGER GENERATED ALWAYS AS (CASE state WHEN 'closed' THEN 2 WHEN 'resolved' THEN 1 ELSE 0 END) VIRTUAL
) STRICT;

-- The problems view, in display order.
CREATE INDEX problems_list ON problems (list_order, updated_at DESC, id DESC);

CREATE TABLE problem_actions (
    id         INTEGER PRIMARY KEY,
    problem_id INTEGER NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    text       TEXT NOT NULL CHECK (text <> ''),
    owner      TEXT NOT NULL DEFAULT '',
    due        INTEGER,
    done       INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    done_at    INTEGER,
    created_at INTEGER NOT NULL
) STRICT;

-- A problem's actions, and the count of those still open, off one index.
CREATE INDEX problem_actions_problem ON problem_actions (problem_id, done);

-- "The incidents of PRB-n" and their count. Few incidents are linked, so
-- the index holds only those.
CREATE INDEX incidents_problem ON incidents (problem_id, opened_at) WHERE problem_id IS NOT NULL;

-- incidents.problem_id came in 0003, before there were problems, and SQLite
-- cannot add a foreign key to an existing column; these triggers hold it to
-- the same rule.
CREATE TRIGGER incidents_problem_insert BEFORE INSERT ON incidents
WHEN new.problem_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM problems WHERE id = new.problem_id) BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: incidents.problem_id');
END;

CREATE TRIGGER incidents_problem_update BEFORE UPDATE OF problem_id ON incidents
WHEN new.problem_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM problems WHERE id = new.problem_id) BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: incidents.problem_id');
END;

CREATE TRIGGER problems_no_delete_linked BEFORE DELETE ON problems
WHEN EXISTS (SELECT 1 FROM incidents WHERE problem_id = old.id) BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: incidents still linked to the problem');
END;
