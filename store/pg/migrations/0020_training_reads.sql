-- 0020: the training figures read by indexes, as on SQLite: every console
-- reads them after each commit.
CREATE INDEX articles_required ON articles ((lower(title) COLLATE "C"), id)
WHERE state = 'published' AND required_for <> '[]';
CREATE INDEX articles_handovers ON articles (updated_at DESC NULLS LAST, id DESC)
WHERE kind = 'handover' AND state = 'published';
