package pg

import (
	"context"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store/rowcodec"
)

// The knowledge base (migrations 0001 and 0010), as store/articles.go:
// articles as they are in force, every version, reads, verdicts and the
// roster. The FTS5 search becomes a tsvector column with a GIN index.
const (
	articleColumns = `a.id, a.slug, a.title, a.kind, a.state, a.service, a.services, a.tags, a.owner,
	a.valid_until, a.review_every, a.required_for, a.extra, a.body, a.updated_at, a.author,
	a.version, a.latest, a.reviewed_at, a.reviewed_by, a.helpful, a.unhelpful, ` + articleUses
	// Lists that show no text (review due, training) read an empty body.
	articleListColumns = `a.id, a.slug, a.title, a.kind, a.state, a.service, a.services, a.tags, a.owner,
	a.valid_until, a.review_every, a.required_for, a.extra, '', a.updated_at, a.author,
	a.version, a.latest, a.reviewed_at, a.reviewed_by, a.helpful, a.unhelpful, ` + articleUses
	// articleUses counts the incidents an article was used on, off the
	// index incident_links_target.
	articleUses = `(SELECT count(*) FROM incident_links l WHERE l.kind = 'article' AND l.target = a.id) AS uses`

	// byTitle is the lists' order, which the articles_title,
	// articles_published and articles_all indexes hold.
	byTitle = `lower(a.title) COLLATE "C", a.id`

	articlesByTitleSQL = `SELECT ` + articleColumns + `, '', 0::float8 FROM articles a
WHERE a.state <> 'retired'
ORDER BY ` + byTitle + `
LIMIT $1 OFFSET $2`
	publishedByTitleSQL = `SELECT ` + articleColumns + `, '', 0::float8 FROM articles a
WHERE a.state = 'published'
ORDER BY ` + byTitle + `
LIMIT $1 OFFSET $2`
	allByTitleSQL = `SELECT ` + articleColumns + `, '', 0::float8 FROM articles a
ORDER BY ` + byTitle + `
LIMIT $1 OFFSET $2`

	// articlesSearchSQL orders by relevance, then by use: articles within
	// a tenth of a point of each other are as relevant as each other, and
	// the one used on more incidents, then found helpful by more operators,
	// comes first. The inner query takes the best $6 by rank off the GIN
	// index; the outer one orders that window by relevance and use and
	// builds snippets for the page alone. The rank weighs a title hit (A)
	// ten times a body hit (D) and a tag hit (B) four times, the weights the
	// SQLite store gives bm25, scaled by ten to that store's range. $2 is
	// ts_headline's options, $5 the states left out.
	articlesSearchSQL = `SELECT ` + articleColumns + `,
	ts_headline('simple', a.title || E'\n' || a.body, to_tsquery('simple', $1), $2), w.rel
FROM (SELECT a.id, 10 * ts_rank('{0.1, 0.2, 0.4, 1.0}', a.search, q) AS rel
      FROM articles a, to_tsquery('simple', $1) q
      WHERE a.search @@ q AND a.state <> ALL ($5::text[])
      ORDER BY rel DESC, a.id
      LIMIT $6) w
JOIN articles a ON a.id = w.id
ORDER BY round(w.rel::numeric, 1) DESC, uses DESC, a.helpful - a.unhelpful DESC, w.rel DESC, a.id
LIMIT $3 OFFSET $4`

	// articlesOfKindSQL walks the articles of a kind newest first.
	articlesOfKindSQL = `SELECT ` + articleListColumns + `, '', 0::float8 FROM articles a
WHERE a.kind = $3 AND a.state <> ALL ($4::text[])
ORDER BY a.id DESC
LIMIT $1 OFFSET $2`

	articleSQL       = `SELECT ` + articleColumns + ` FROM articles a WHERE a.id = $1`
	articleBySlugSQL = `SELECT ` + articleColumns + ` FROM articles a WHERE a.slug = $1`

	// A review is due ReviewEvery after the last one (or the save, if
	// none), or at ValidUntil; Article.ReviewDue says the same in Go.
	articlesDueSQL = `SELECT ` + articleListColumns + ` FROM articles a
WHERE a.state = 'published'
  AND ((a.review_every > 0 AND coalesce(a.reviewed_at, a.updated_at, 0) + a.review_every <= $1)
    OR (a.valid_until IS NOT NULL AND a.valid_until <= $1))
ORDER BY a.owner COLLATE "C", ` + byTitle

	newestHandoverSQL = `SELECT coalesce((SELECT id FROM articles WHERE kind = 'handover' AND state = 'published'
ORDER BY updated_at DESC NULLS LAST, id DESC LIMIT 1), 0)`
	// requiredIDs are those articles' ids, off the partial indexes of 0020.
	requiredIDs = `(SELECT id FROM articles WHERE state = 'published' AND required_for <> '[]'
	UNION SELECT id FROM articles WHERE id = $1 AND state = 'published')`
	requiredArticlesSQL = `SELECT ` + articleListColumns + ` FROM articles a
WHERE a.id IN ` + requiredIDs + `
ORDER BY ` + byTitle
	requiredReadsSQL = `SELECT r.article_id, r.version, r.operator, r.at FROM article_reads r
WHERE r.article_id IN ` + requiredIDs + `
ORDER BY r.operator COLLATE "C", r.article_id, r.version`
	rosterSQL = `SELECT name, role FROM operators ORDER BY name COLLATE "C"`

	articleReadsSQL = `SELECT article_id, version, operator, at FROM article_reads
WHERE article_id = $1 ORDER BY at DESC, operator COLLATE "C"`

	versionColumns = `article_id, slug, title, kind, state, services, tags, owner, valid_until, review_every,
	required_for, extra, body, at, author, version, reviewed_at, reviewed_by, note`
	articleVersionsSQL = `SELECT ` + versionColumns + ` FROM article_versions WHERE article_id = $1 ORDER BY version DESC`
	articleVersionSQL  = `SELECT ` + versionColumns + ` FROM article_versions WHERE article_id = $1 AND version = $2`

	insertArticleSQL = `INSERT INTO articles (slug, title, kind, state, service, services, tags, owner, valid_until,
	review_every, required_for, extra, body, updated_at, author, version, latest, reviewed_at, reviewed_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
RETURNING id`
	updateArticleSQL = `UPDATE articles SET slug = $1, title = $2, kind = $3, state = $4, service = $5, services = $6,
	tags = $7, owner = $8, valid_until = $9, review_every = $10, required_for = $11, extra = $12, body = $13,
	updated_at = $14, author = $15, version = $16, latest = $17, reviewed_at = $18, reviewed_by = $19
WHERE id = $20`
	upsertArticleSQL = `INSERT INTO articles (slug, title, kind, state, service, services, tags, owner, valid_until,
	review_every, required_for, extra, body, updated_at, author, version, latest, reviewed_at, reviewed_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (slug) DO UPDATE SET
	title = excluded.title, kind = excluded.kind, state = excluded.state, service = excluded.service,
	services = excluded.services, tags = excluded.tags, body = excluded.body, updated_at = excluded.updated_at,
	author = excluded.author
RETURNING id`
	insertVersionSQL = `INSERT INTO article_versions (article_id, slug, title, kind, state, services, tags, owner,
	valid_until, review_every, required_for, extra, body, at, author, version, reviewed_at, reviewed_by, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`
	setVersionStateSQL = `UPDATE article_versions SET state = $3,
	reviewed_at = CASE WHEN $4::text <> '' THEN $5::bigint ELSE reviewed_at END,
	reviewed_by = CASE WHEN $4::text <> '' THEN $4::text ELSE reviewed_by END
WHERE article_id = $1 AND version = $2`
	recordReadSQL = `INSERT INTO article_reads (operator, article_id, version, at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`
	setFeedbackSQL = `INSERT INTO article_feedback (article_id, operator, helpful, at) VALUES ($1, $2, $3, $4)
ON CONFLICT (article_id, operator) DO UPDATE SET helpful = excluded.helpful, at = excluded.at`
	recountFeedbackSQL = `UPDATE articles SET
	helpful = (SELECT count(*) FROM article_feedback WHERE article_id = $1 AND helpful),
	unhelpful = (SELECT count(*) FROM article_feedback WHERE article_id = $1 AND NOT helpful)
WHERE id = $1`
	deleteRosterSQL = `DELETE FROM operators`
	insertRosterSQL = `INSERT INTO operators (name, role) VALUES ($1, $2)`

	// articleUsesSQL counts the incidents each article was used on in a
	// window, most used first, off the index incident_links_target.
	articleUsesSQL = `SELECT l.target, a.title, count(*) FROM incident_links l JOIN articles a ON a.id = l.target
WHERE l.kind = 'article' AND l.at >= $1 AND l.at < $2
GROUP BY l.target, a.title ORDER BY count(*) DESC, l.target LIMIT $3`
)

// headlineOptions makes ts_headline mark matches as the UI draws them and
// cut a snippet of about sixteen words around the best match.
var headlineOptions = fmt.Sprintf(`StartSel="%s", StopSel="%s", MaxWords=16, MinWords=6, MaxFragments=1, FragmentDelimiter=" … "`,
	model.HighlightStart, model.HighlightEnd)

// Articles searches the knowledge base, best match first (Rank is the
// relevance: higher is better), or lists it by title, whatever its case,
// when q.Search has nothing searchable in it.
func (db *DB) Articles(ctx context.Context, q model.ArticleQuery) ([]model.ArticleHit, error) {
	match := searchQuery(q.Search)
	if q.Any {
		match = searchAnyQuery(q.Search)
	}
	hidden := []string{"retired"}
	switch {
	case q.Published:
		hidden = []string{"draft", "review", "retired"}
	case q.All:
		hidden = []string{}
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
	// The window ranked by use: twice the page and what comes before it.
	var window any
	if q.Limit > 0 {
		window = max(2*(offset(q.Offset)+q.Limit), 50)
	}
	rows, err := db.query(ctx, articlesSearchSQL, match, headlineOptions, limit(q.Limit), offset(q.Offset), hidden, window)
	return collect(rows, err, "article search", rowcodec.ScanArticleHit)
}

// Article reads one article as it is in force.
func (db *DB) Article(ctx context.Context, id int64) (model.Article, error) {
	return one(db.queryRow(ctx, articleSQL, id), fmt.Sprintf("KB-%d", id), rowcodec.ScanArticle)
}

// ArticleBySlug reads the article with this slug.
func (db *DB) ArticleBySlug(ctx context.Context, slug string) (model.Article, error) {
	return one(db.queryRow(ctx, articleBySlugSQL, slug), fmt.Sprintf("article %q", slug), rowcodec.ScanArticle)
}

// ArticleVersions lists an article's versions, newest first.
func (db *DB) ArticleVersions(ctx context.Context, id int64) ([]model.ArticleVersion, error) {
	rows, err := db.query(ctx, articleVersionsSQL, id)
	return collect(rows, err, fmt.Sprintf("KB-%d versions", id), rowcodec.ScanVersion)
}

// ArticleVersion reads one version of an article.
func (db *DB) ArticleVersion(ctx context.Context, id int64, version int) (model.ArticleVersion, error) {
	return one(db.queryRow(ctx, articleVersionSQL, id, version), fmt.Sprintf("KB-%d v%d", id, version), rowcodec.ScanVersion)
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
// reads of them: three reads, as in the SQLite store.
func (db *DB) TrainingData(ctx context.Context) (model.TrainingData, error) {
	var d model.TrainingData
	if err := db.queryRow(ctx, newestHandoverSQL).Scan(&d.NewestHandover); err != nil {
		return d, fmt.Errorf("read newest handover: %w", unreachable(err))
	}
	var err error
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

// ArticleUses lists the articles used on incidents in [since, until),
// most used first, at most limit.
func (db *DB) ArticleUses(ctx context.Context, since, until time.Time, limit int) ([]model.ArticleUse, error) {
	rows, err := db.query(ctx, articleUsesSQL, since.UnixMilli(), until.UnixMilli(), limit)
	return collect(rows, err, "article uses", rowcodec.ScanArticleUse)
}

func (t *tx) ArticleByID(id int64) (model.Article, error) {
	a, err := rowcodec.ScanArticle(t.queryRow(articleSQL, id))
	return a, lookupErr(err, "KB-%d", id)
}

func (t *tx) ArticleBySlug(slug string) (model.Article, error) {
	a, err := rowcodec.ScanArticle(t.queryRow(articleBySlugSQL, slug))
	return a, found(err, "read article %q", slug)
}

func (t *tx) InsertArticle(a *model.Article) error {
	if err := t.queryRow(insertArticleSQL, rowcodec.ArticleArgs(*a)...).Scan(&a.ID); err != nil {
		return fmt.Errorf("save article %q: %w", a.Slug, unreachable(err))
	}
	return nil
}

func (t *tx) UpdateArticle(a model.Article) error {
	return t.execOne(a.Ref(), updateArticleSQL, append(rowcodec.ArticleArgs(a), a.ID)...)
}

func (t *tx) UpsertArticle(a *model.Article) error {
	if err := t.queryRow(upsertArticleSQL, rowcodec.ArticleArgs(*a)...).Scan(&a.ID); err != nil {
		return fmt.Errorf("save article %q: %w", a.Slug, unreachable(err))
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
	v, err := rowcodec.ScanVersion(t.queryRow(articleVersionSQL, id, version))
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
	if _, err := t.exec(setFeedbackSQL, id, operator, helpful, ms(at)); err != nil {
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
