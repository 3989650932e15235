-- 0008: changes a change board can run. A change works on one or more
-- services (the first stays in `service`, the primary, which the
-- after-change alert lookup reads), carries impact and probability (risk
-- is derived from them), the plans a board reads (backout, tests), who
-- asked for it, and an authorisation round: a rejection or a new plan
-- starts the next round, and only the current round's approvals count.
ALTER TABLE changes ADD COLUMN services TEXT NOT NULL DEFAULT '[]';
UPDATE changes SET services = json_array(service) WHERE service <> '';
ALTER TABLE changes ADD COLUMN impact INTEGER NOT NULL DEFAULT 2;
ALTER TABLE changes ADD COLUMN probability INTEGER NOT NULL DEFAULT 2;
-- Existing changes kept their risk; medium probability maps it onto the
-- same risk for every level.
UPDATE changes SET impact = risk;
ALTER TABLE changes ADD COLUMN requester TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN backout TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN test_plan TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN incident_id INTEGER REFERENCES incidents (id);
ALTER TABLE changes ADD COLUMN problem_id INTEGER REFERENCES problems (id);
ALTER TABLE changes ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN round INTEGER NOT NULL DEFAULT 1;
ALTER TABLE changes ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
UPDATE changes SET created_at = start_at;

-- One row per approver's verdict, per round.
CREATE TABLE change_approvals (
    change_id INTEGER NOT NULL REFERENCES changes (id),
    round     INTEGER NOT NULL,
    approver  TEXT NOT NULL,
    approve   INTEGER NOT NULL,
    comment   TEXT NOT NULL DEFAULT '',
    at        INTEGER NOT NULL
) STRICT;
CREATE INDEX change_approvals_change ON change_approvals (change_id, round);

-- A change's timeline: every step, approval and conflict override.
CREATE TABLE change_events (
    id        INTEGER PRIMARY KEY,
    change_id INTEGER NOT NULL REFERENCES changes (id),
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    kind      TEXT NOT NULL,
    text      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX change_events_change ON change_events (change_id, at, id);
