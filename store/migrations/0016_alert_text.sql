-- 0016: the feed's text filter served by an index. alerts_text holds the
-- trigrams of each alert's name, service and summary (FTS5, trigram
-- tokenizer), rowids only (detail=none) and no copy of the text
-- (contentless, with deletes): it answers "which alerts may contain this
-- text", and the feed's LIKE then checks those few exactly. It is filled
-- in batches after the fact (store/alerttext.go), never inside an intake
-- transaction: a row at a time, FTS5 costs ingest ten times over.
CREATE VIRTUAL TABLE alerts_text USING fts5 (
    text, content = '', contentless_delete = 1, tokenize = 'trigram', detail = 'none'
);

-- Alerts up to indexed_to are in alerts_text; the filter reads the ones
-- after it directly.
CREATE TABLE alerts_text_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_to INTEGER NOT NULL
) STRICT;
INSERT INTO alerts_text_state (id, indexed_to) VALUES (1, 0);

-- Indexed alerts whose text changed since: indexed again by the next
-- batch, read directly by the filter until then.
CREATE TABLE alerts_text_dirty (alert_id INTEGER PRIMARY KEY) STRICT;

CREATE TRIGGER alerts_text_changed AFTER UPDATE OF name, service, summary ON alerts
WHEN (old.name IS NOT new.name OR old.service IS NOT new.service OR old.summary IS NOT new.summary)
  AND new.id <= (SELECT indexed_to FROM alerts_text_state) BEGIN
    -- Not INSERT OR IGNORE: the upsert that fires this would impose its
    -- own conflict handling on it.
    INSERT INTO alerts_text_dirty (alert_id)
    SELECT new.id WHERE NOT EXISTS (SELECT 1 FROM alerts_text_dirty WHERE alert_id = new.id);
END;

CREATE TRIGGER alerts_text_deleted AFTER DELETE ON alerts
WHEN old.id <= (SELECT indexed_to FROM alerts_text_state) BEGIN
    DELETE FROM alerts_text WHERE rowid = old.id;
    DELETE FROM alerts_text_dirty WHERE alert_id = old.id;
END;
