-- 0010: a knowledge base a team writes and trusts. The articles table keeps
-- each article as it is in force (the newest published version, else the
-- newest), with what its front matter says: every service, an owner, how
-- long it holds and how often it is reviewed, the roles that must read it,
-- and the keys hypercare does not read, kept for export. Every version,
-- that one included, is kept in article_versions.
ALTER TABLE articles ADD COLUMN services TEXT NOT NULL DEFAULT '[]';
UPDATE articles SET services = json_array(service) WHERE service <> '';
ALTER TABLE articles ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN valid_until INTEGER;
ALTER TABLE articles ADD COLUMN review_every INTEGER NOT NULL DEFAULT 0; -- milliseconds
ALTER TABLE articles ADD COLUMN required_for TEXT NOT NULL DEFAULT '[]';
ALTER TABLE articles ADD COLUMN extra TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN latest INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN reviewed_at INTEGER;
ALTER TABLE articles ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN helpful INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN unhelpful INTEGER NOT NULL DEFAULT 0;

-- Lists sort by title whatever its case ("cdn" among the "C"s), read off
-- the index; viewers' lists (published only) have an index of their own.
DROP INDEX articles_title;
CREATE INDEX articles_title ON articles (title COLLATE NOCASE, id) WHERE state <> 'retired';
CREATE INDEX articles_published ON articles (title COLLATE NOCASE, id) WHERE state = 'published';
CREATE INDEX articles_all ON articles (title COLLATE NOCASE, id);

CREATE TABLE article_versions (
    article_id   INTEGER NOT NULL REFERENCES articles (id),
    version      INTEGER NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('draft', 'review', 'published', 'outdated', 'retired')),
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    services     TEXT NOT NULL DEFAULT '[]',
    tags         TEXT NOT NULL DEFAULT '[]',
    owner        TEXT NOT NULL DEFAULT '',
    valid_until  INTEGER,
    review_every INTEGER NOT NULL DEFAULT 0,
    required_for TEXT NOT NULL DEFAULT '[]',
    extra        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL DEFAULT '',
    at           INTEGER NOT NULL,
    reviewed_at  INTEGER,
    reviewed_by  TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, version)
) STRICT, WITHOUT ROWID;

-- What there was becomes version 1.
INSERT INTO article_versions (article_id, version, state, slug, title, kind, services, tags, body, author, at)
SELECT id, 1, state, slug, title, kind, services, tags, body, author, ifnull(updated_at, 0) FROM articles;

-- Who read which version: the first read of a version stands.
CREATE TABLE article_reads (
    operator   TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id),
    version    INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (operator, article_id, version)
) STRICT, WITHOUT ROWID;
CREATE INDEX article_reads_article ON article_reads (article_id, at);

-- One verdict per operator and article; the counts on articles follow it.
CREATE TABLE article_feedback (
    article_id INTEGER NOT NULL REFERENCES articles (id),
    operator   TEXT NOT NULL,
    helpful    INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (article_id, operator)
) STRICT, WITHOUT ROWID;

-- The plan's operators, who the training matrix counts. The operators
-- table of 0001 was never written; it becomes the roster.
DELETE FROM operators;
