-- 0010: a knowledge base a team writes and trusts: articles as they are in
-- force with every version kept, reads, verdicts and the roster.
ALTER TABLE articles ADD COLUMN services text NOT NULL DEFAULT '[]';
UPDATE articles SET services = json_build_array(service)::text WHERE service <> '';
ALTER TABLE articles ADD COLUMN owner text NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN valid_until bigint;
ALTER TABLE articles ADD COLUMN review_every bigint NOT NULL DEFAULT 0; -- milliseconds
ALTER TABLE articles ADD COLUMN required_for text NOT NULL DEFAULT '[]';
ALTER TABLE articles ADD COLUMN extra text NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN latest integer NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN reviewed_at bigint;
ALTER TABLE articles ADD COLUMN reviewed_by text NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN helpful integer NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN unhelpful integer NOT NULL DEFAULT 0;

-- Lists sort by title whatever its case, read off the index; viewers'
-- lists (published only) have an index of their own. COLLATE "C" orders
-- the lowered titles byte by byte, as SQLite's NOCASE does, whatever the
-- database's locale.
DROP INDEX articles_title;
CREATE INDEX articles_title ON articles ((lower(title) COLLATE "C"), id) WHERE state <> 'retired';
CREATE INDEX articles_published ON articles ((lower(title) COLLATE "C"), id) WHERE state = 'published';
CREATE INDEX articles_all ON articles ((lower(title) COLLATE "C"), id);

CREATE TABLE article_versions (
    article_id   bigint NOT NULL REFERENCES articles (id),
    version      integer NOT NULL,
    state        text NOT NULL CHECK (state IN ('draft', 'review', 'published', 'outdated', 'retired')),
    slug         text NOT NULL,
    title        text NOT NULL,
    kind         text NOT NULL,
    services     text NOT NULL DEFAULT '[]',
    tags         text NOT NULL DEFAULT '[]',
    owner        text NOT NULL DEFAULT '',
    valid_until  bigint,
    review_every bigint NOT NULL DEFAULT 0,
    required_for text NOT NULL DEFAULT '[]',
    extra        text NOT NULL DEFAULT '',
    body         text NOT NULL DEFAULT '',
    author       text NOT NULL DEFAULT '',
    at           bigint NOT NULL,
    reviewed_at  bigint,
    reviewed_by  text NOT NULL DEFAULT '',
    note         text NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, version)
);

INSERT INTO article_versions (article_id, version, state, slug, title, kind, services, tags, body, author, at)
SELECT id, 1, state, slug, title, kind, services, tags, body, author, coalesce(updated_at, 0) FROM articles;

-- Who read which version: the first read of a version stands.
CREATE TABLE article_reads (
    operator   text NOT NULL,
    article_id bigint NOT NULL REFERENCES articles (id),
    version    integer NOT NULL,
    at         bigint NOT NULL,
    PRIMARY KEY (operator, article_id, version)
);
CREATE INDEX article_reads_article ON article_reads (article_id, at);

-- One verdict per operator and article; the counts on articles follow it.
CREATE TABLE article_feedback (
    article_id bigint NOT NULL REFERENCES articles (id),
    operator   text NOT NULL,
    helpful    boolean NOT NULL,
    at         bigint NOT NULL,
    PRIMARY KEY (article_id, operator)
);

-- The plan's operators, who the training matrix counts.
DELETE FROM operators;
