-- 0020: the training figures read by indexes. Every console reads them
-- after each commit (the footer's "unread"), and each of the three reads
-- walked every published article: 13 ms a commit with 2,000 articles.
-- The required articles, in title order:
CREATE INDEX articles_required ON articles (title COLLATE NOCASE, id)
WHERE state = 'published' AND required_for <> '[]';
-- The newest published handover:
CREATE INDEX articles_handovers ON articles (updated_at DESC, id DESC)
WHERE kind = 'handover' AND state = 'published';
