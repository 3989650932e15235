package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// The knowledge base (migrations 0001 and 0010): articles as they are in
// force, every version, reads, verdicts and the roster.
const (
	articleColumns = `a.id, a.slug, a.title, a.kind, a.state, a.service, a.services, a.tags, a.owner,
	a.valid_until, a.review_every, a.required_for, a.extra, a.body, a.updated_at, a.author,
	a.version, a.latest, a.reviewed_at, a.reviewed_by, a.helpful, a.unhelpful, ` + articleUses
	// Lists that show no text (review due, training) read an empty body.
	articleListColumns = `a.id, a.slug, a.title, a.kind, a.state, a.service, a.services, a.tags, a.owner,
	a.valid_until, a.review_every, a.required_for, a.extra, '', a.updated_at, a.author,
	a.version, a.latest, a.reviewed_at, a.reviewed_by, a.helpful, a.unhelpful, ` + articleUses
	// articleUses counts the incidents an article was used on (linked to,
	// or named when resolving), off the index incident_links_target.
	articleUses = `(SELECT count(*) FROM incident_links l WHERE l.kind = 'article' AND l.target = a.id) AS uses`

	// articlesByTitleSQL lists by title whatever its case; its state test
	// matches the partial index articles_title, as publishedByTitleSQL's
	// matches articles_published.
	articlesByTitleSQL = `SELECT ` + articleColumns + `, '', 0 FROM articles a
WHERE a.state <> 'retired'
ORDER BY a.title COLLATE NOCASE, a.id
LIMIT ?1 OFFSET ?2`
	publishedByTitleSQL = `SELECT ` + articleColumns + `, '', 0 FROM articles a
WHERE a.state = 'published'
ORDER BY a.title COLLATE NOCASE, a.id
LIMIT ?1 OFFSET ?2`
	allByTitleSQL = `SELECT ` + articleColumns + `, '', 0 FROM articles a
ORDER BY a.title COLLATE NOCASE, a.id
LIMIT ?1 OFFSET ?2`

	// articlesSearchSQL orders by relevance, the FTS rank column (bm25 with
	// the weights set in the migration), then by use: articles within a
	// tenth of a point of each other are as relevant as each other, and the
	// one used on more incidents, then found helpful by more operators,
	// comes first. The inner query takes the best ?7 by rank, which FTS5
	// hands over already sorted, so the join, the state test and snippets
	// stop there however many articles match; the outer one orders that
	// window by relevance and use. Column -1 lets snippet pick the column
	// that matched best. ?6 is the states left out: retired ones, or all
	// but published for viewers.
	articlesSearchSQL = `SELECT * FROM (SELECT ` + articleColumns + `,
	snippet(articles_fts, -1, ?2, ?3, '…', 16) AS snip, -articles_fts.rank AS rel
FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
WHERE articles_fts MATCH ?1 AND a.state NOT IN (SELECT value FROM json_each(?6))
ORDER BY articles_fts.rank
LIMIT ?7)
ORDER BY round(rel, 1) DESC, uses DESC, helpful - unhelpful DESC, rel DESC
LIMIT ?4 OFFSET ?5`

	// articlesOfKindSQL walks the articles newest first: the kind it is
	// asked for (handovers) is written every shift, so the page fills early.
	articlesOfKindSQL = `SELECT ` + articleListColumns + `, '', 0 FROM articles a
WHERE a.kind = ?3 AND a.state NOT IN (SELECT value FROM json_each(?4))
ORDER BY a.id DESC
LIMIT ?1 OFFSET ?2`

	articleSQL       = `SELECT ` + articleColumns + ` FROM articles a WHERE a.id = ?1`
	articleBySlugSQL = `SELECT ` + articleColumns + ` FROM articles a WHERE a.slug = ?1`

	// A review is due ReviewEvery after the last one (or the save, if
	// none), or at ValidUntil; Article.ReviewDue says the same in Go.
	articlesDueSQL = `SELECT ` + articleListColumns + ` FROM articles a
WHERE a.state = 'published'
  AND ((a.review_every > 0 AND coalesce(a.reviewed_at, a.updated_at, 0) + a.review_every <= ?1)
    OR (a.valid_until IS NOT NULL AND a.valid_until <= ?1))
ORDER BY a.owner, a.title COLLATE NOCASE, a.id`

	// The articles someone must read: required for a role, or the newest
	// published handover.
	newestHandoverSQL = `SELECT ifnull((SELECT id FROM articles WHERE kind = 'handover' AND state = 'published'
ORDER BY updated_at DESC, id DESC LIMIT 1), 0)`
	// requiredIDs are those articles' ids, off the partial indexes of 0020
	// (an OR of the two tests would read every published article). UNION
	// ALL, as IN needs no duplicates dropped: a UNION is merged in id
	// order, which SQLite got by walking every article (4 ms a commit at
	// 2,000 articles) rather than off articles_required.
	requiredIDs = `(SELECT id FROM articles WHERE state = 'published' AND required_for <> '[]'
	UNION ALL SELECT id FROM articles WHERE id = ?1 AND state = 'published')`
	requiredArticlesSQL = `SELECT ` + articleListColumns + ` FROM articles a
WHERE a.id IN ` + requiredIDs + `
ORDER BY a.title COLLATE NOCASE, a.id`
	requiredReadsSQL = `SELECT r.article_id, r.version, r.operator, r.at FROM article_reads r
WHERE r.article_id IN ` + requiredIDs + `
ORDER BY r.operator, r.article_id, r.version`
	rosterSQL = `SELECT name, role FROM operators ORDER BY name`

	articleReadsSQL = `SELECT article_id, version, operator, at FROM article_reads
WHERE article_id = ?1 ORDER BY at DESC, operator`

	versionColumns = `article_id, slug, title, kind, state, services, tags, owner, valid_until, review_every,
	required_for, extra, body, at, author, version, reviewed_at, reviewed_by, note`
	articleVersionsSQL = `SELECT ` + versionColumns + ` FROM article_versions WHERE article_id = ?1 ORDER BY version DESC`
	articleVersionSQL  = `SELECT ` + versionColumns + ` FROM article_versions WHERE article_id = ?1 AND version = ?2`

	insertArticleSQL = `INSERT INTO articles (slug, title, kind, state, service, services, tags, owner, valid_until,
	review_every, required_for, extra, body, updated_at, author, version, latest, reviewed_at, reviewed_by)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
RETURNING id`
	updateArticleSQL = `UPDATE articles SET slug = ?1, title = ?2, kind = ?3, state = ?4, service = ?5, services = ?6,
	tags = ?7, owner = ?8, valid_until = ?9, review_every = ?10, required_for = ?11, extra = ?12, body = ?13,
	updated_at = ?14, author = ?15, version = ?16, latest = ?17, reviewed_at = ?18, reviewed_by = ?19
WHERE id = ?20`
	upsertArticleSQL = `INSERT INTO articles (slug, title, kind, state, service, services, tags, owner, valid_until,
	review_every, required_for, extra, body, updated_at, author, version, latest, reviewed_at, reviewed_by)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
ON CONFLICT (slug) DO UPDATE SET
	title = excluded.title, kind = excluded.kind, state = excluded.state, service = excluded.service,
	services = excluded.services, tags = excluded.tags, body = excluded.body, updated_at = excluded.updated_at,
	author = excluded.author
RETURNING id`
	insertVersionSQL = `INSERT INTO article_versions (article_id, slug, title, kind, state, services, tags, owner,
	valid_until, review_every, required_for, extra, body, at, author, version, reviewed_at, reviewed_by, note)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)`
	setVersionStateSQL = `UPDATE article_versions SET state = ?3,
	reviewed_at = iif(?4 <> '', ?5, reviewed_at), reviewed_by = iif(?4 <> '', ?4, reviewed_by)
WHERE article_id = ?1 AND version = ?2`
	recordReadSQL = `INSERT INTO article_reads (operator, article_id, version, at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT DO NOTHING`
	setFeedbackSQL = `INSERT INTO article_feedback (article_id, operator, helpful, at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (article_id, operator) DO UPDATE SET helpful = excluded.helpful, at = excluded.at`
	recountFeedbackSQL = `UPDATE articles SET
	helpful = (SELECT count(*) FROM article_feedback WHERE article_id = ?1 AND helpful),
	unhelpful = (SELECT count(*) FROM article_feedback WHERE article_id = ?1 AND NOT helpful)
WHERE id = ?1`
	deleteRosterSQL = `DELETE FROM operators`
	insertRosterSQL = `INSERT INTO operators (name, role) VALUES (?1, ?2)`
)

// articleWriteQueries are prepared on the writer with the others (writeQueries).
var articleWriteQueries = []string{
	articleSQL, articleBySlugSQL, articleVersionSQL, insertArticleSQL, updateArticleSQL, upsertArticleSQL,
	insertVersionSQL, setVersionStateSQL, recordReadSQL, setFeedbackSQL, recountFeedbackSQL,
	deleteRosterSQL, insertRosterSQL,
}

// Articles searches the knowledge base, best match first (Rank is the
// relevance: higher is better), or lists it by title, whatever its case,
// when q.Search has nothing searchable in it. Retired articles are left
// out unless q.All; q.Published keeps only published ones.
func (db *DB) Articles(ctx context.Context, q model.ArticleQuery) ([]model.ArticleHit, error) {
	match := ftsQuery(q.Search)
	if q.Any {
		match = ftsAnyQuery(q.Search)
	}
	hidden := `["retired"]`
	switch {
	case q.Published:
		hidden = `["draft","review","retired"]`
	case q.All:
		hidden = `[]`
	}
	if match == "" && q.Kind != "" {
		rows, err := db.query(ctx, articlesOfKindSQL, limit(q.Limit), offset(q.Offset), string(q.Kind), hidden)
		return collect(rows, err, "articles", rowcodec.ScanArticleHit)
	}
	if match == "" {
		list := articlesByTitleSQL
		switch {
		case q.Published:
			list = publishedByTitleSQL
		case q.All:
			list = allByTitleSQL
		}
		rows, err := db.query(ctx, list, limit(q.Limit), offset(q.Offset))
		return collect(rows, err, "articles", rowcodec.ScanArticleHit)
	}
	// The window ranked by use: twice the page and what comes before it,
	// so an article used often climbs past near-equals just below the page.
	window := -1
	if q.Limit > 0 {
		window = max(2*(offset(q.Offset)+q.Limit), 50)
	}
	rows, err := db.query(ctx, articlesSearchSQL, match, model.HighlightStart, model.HighlightEnd,
		limit(q.Limit), offset(q.Offset), hidden, window)
	return collect(rows, err, "article search", rowcodec.ScanArticleHit)
}

// Article reads one article as it is in force.
func (db *DB) Article(ctx context.Context, id int64) (model.Article, error) {
	row, err := db.queryRow(ctx, articleSQL, id)
	return one(row, err, fmt.Sprintf("KB-%d", id), rowcodec.ScanArticle)
}

// ArticleBySlug reads the article with this slug.
func (db *DB) ArticleBySlug(ctx context.Context, slug string) (model.Article, error) {
	row, err := db.queryRow(ctx, articleBySlugSQL, slug)
	return one(row, err, fmt.Sprintf("article %q", slug), rowcodec.ScanArticle)
}

// ArticleVersions lists an article's versions, newest first.
func (db *DB) ArticleVersions(ctx context.Context, id int64) ([]model.ArticleVersion, error) {
	rows, err := db.query(ctx, articleVersionsSQL, id)
	return collect(rows, err, fmt.Sprintf("KB-%d versions", id), rowcodec.ScanVersion)
}

// ArticleVersion reads one version of an article.
func (db *DB) ArticleVersion(ctx context.Context, id int64, version int) (model.ArticleVersion, error) {
	row, err := db.queryRow(ctx, articleVersionSQL, id, version)
	return one(row, err, fmt.Sprintf("KB-%d v%d", id, version), rowcodec.ScanVersion)
}

// ArticleReads lists who read which version of an article, newest first.
func (db *DB) ArticleReads(ctx context.Context, id int64) ([]model.ArticleRead, error) {
	rows, err := db.query(ctx, articleReadsSQL, id)
	return collect(rows, err, fmt.Sprintf("KB-%d reads", id), rowcodec.ScanRead)
}

// ArticlesDue lists the published articles whose review is due at at.
func (db *DB) ArticlesDue(ctx context.Context, at time.Time) ([]model.Article, error) {
	rows, err := db.query(ctx, articlesDueSQL, at.UnixMilli())
	return collect(rows, err, "articles due for review", rowcodec.ScanArticle)
}

// TrainingData reads the roster, the articles someone must read and the
// reads of them. They are three reads, not one snapshot: a read recorded
// in between shows up early, which a matrix can bear.
func (db *DB) TrainingData(ctx context.Context) (model.TrainingData, error) {
	var d model.TrainingData
	row, err := db.queryRow(ctx, newestHandoverSQL)
	if err == nil {
		err = row.Scan(&d.NewestHandover)
	}
	if err != nil {
		return d, fmt.Errorf("read newest handover: %w", err)
	}
	rows, err := db.query(ctx, rosterSQL)
	if d.Roster, err = collect(rows, err, "roster", rowcodec.ScanPerson); err != nil {
		return d, err
	}
	rows, err = db.query(ctx, requiredArticlesSQL, d.NewestHandover)
	if d.Articles, err = collect(rows, err, "required articles", rowcodec.ScanArticle); err != nil {
		return d, err
	}
	rows, err = db.query(ctx, requiredReadsSQL, d.NewestHandover)
	d.Reads, err = collect(rows, err, "reads of required articles", rowcodec.ScanRead)
	return d, err
}

func (t *tx) ArticleByID(id int64) (model.Article, error) {
	a, err := rowcodec.ScanArticle(t.stmt(articleSQL).QueryRowContext(t.ctx, id))
	return a, lookupErr(err, "KB-%d", id)
}

func (t *tx) ArticleBySlug(slug string) (model.Article, error) {
	a, err := rowcodec.ScanArticle(t.stmt(articleBySlugSQL).QueryRowContext(t.ctx, slug))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return a, model.ErrNotFound
	case err != nil:
		return a, fmt.Errorf("read article %q: %w", slug, err)
	}
	return a, nil
}

func (t *tx) InsertArticle(a *model.Article) error {
	if err := t.stmt(insertArticleSQL).QueryRowContext(t.ctx, rowcodec.ArticleArgs(*a)...).Scan(&a.ID); err != nil {
		return fmt.Errorf("save article %q: %w", a.Slug, err)
	}
	return nil
}

func (t *tx) UpdateArticle(a model.Article) error {
	return t.execOne(a.Ref(), updateArticleSQL, append(rowcodec.ArticleArgs(a), a.ID)...)
}

func (t *tx) UpsertArticle(a *model.Article) error {
	if err := t.stmt(upsertArticleSQL).QueryRowContext(t.ctx, rowcodec.ArticleArgs(*a)...).Scan(&a.ID); err != nil {
		return fmt.Errorf("save article %q: %w", a.Slug, err)
	}
	return nil
}

func (t *tx) InsertArticleVersion(v model.ArticleVersion) error {
	a := v.Article
	_, err := t.exec(insertVersionSQL, a.ID, a.Slug, a.Title, string(a.Kind), string(a.State), jsonList(a.Services),
		jsonList(a.Tags), a.Owner, ms(a.ValidUntil), a.ReviewEvery.Milliseconds(), jsonList(a.RequiredFor), a.Extra,
		a.Body, ms(a.UpdatedAt), a.Author, a.Version, ms(a.ReviewedAt), a.ReviewedBy, v.Note)
	if err != nil {
		return fmt.Errorf("save %s v%d: %w", a.Ref(), a.Version, err)
	}
	return nil
}

func (t *tx) ArticleVersion(id int64, version int) (model.ArticleVersion, error) {
	v, err := rowcodec.ScanVersion(t.stmt(articleVersionSQL).QueryRowContext(t.ctx, id, version))
	return v, lookupErr(err, "KB-%d version", id)
}

func (t *tx) SetArticleVersionState(id int64, version int, state model.ArticleState, by string, at time.Time) error {
	return t.execOne(fmt.Sprintf("KB-%d v%d", id, version), setVersionStateSQL, id, version, string(state), by, ms(at))
}

func (t *tx) RecordArticleRead(r model.ArticleRead) error {
	if _, err := t.exec(recordReadSQL, r.Operator, r.Article, r.Version, ms(r.At)); err != nil {
		return fmt.Errorf("record read of KB-%d: %w", r.Article, err)
	}
	return nil
}

func (t *tx) SetArticleFeedback(id int64, operator string, helpful bool, at time.Time) error {
	if _, err := t.exec(setFeedbackSQL, id, operator, btoi(helpful), ms(at)); err != nil {
		return fmt.Errorf("record verdict on KB-%d: %w", id, err)
	}
	return t.execOne(fmt.Sprintf("KB-%d", id), recountFeedbackSQL, id)
}

func (t *tx) ReplaceRoster(people []model.Person) error {
	if _, err := t.exec(deleteRosterSQL); err != nil {
		return fmt.Errorf("replace roster: %w", err)
	}
	for _, p := range people {
		if _, err := t.exec(insertRosterSQL, p.Name, p.Role.String()); err != nil {
			return fmt.Errorf("store operator %q: %w", p.Name, err)
		}
	}
	return nil
}

// articleUsesSQL counts the incidents each article was linked to (or
// named on when resolving) in a window, most used first, off the index
// incident_links_target.
const articleUsesSQL = `SELECT l.target, a.title, count(*) FROM incident_links l JOIN articles a ON a.id = l.target
WHERE l.kind = 'article' AND l.at >= ?1 AND l.at < ?2
GROUP BY l.target ORDER BY count(*) DESC, l.target LIMIT ?3`

// ArticleUses lists the articles used on incidents in [since, until),
// most used first, at most limit.
func (db *DB) ArticleUses(ctx context.Context, since, until time.Time, limit int) ([]model.ArticleUse, error) {
	rows, err := db.query(ctx, articleUsesSQL, since.UnixMilli(), until.UnixMilli(), limit)
	return collect(rows, err, "article uses", rowcodec.ScanArticleUse)
}
