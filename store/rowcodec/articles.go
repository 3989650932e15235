package rowcodec

import "github.com/hypercare-ops/hypercare/model"

// ArticleFields are the scan targets of the stores' articleColumns (and
// articleListColumns, which read an empty body).
func ArticleFields(a *model.Article) []any {
	return []any{&a.ID, &a.Slug, &a.Title, &a.Kind, &a.State, &a.Service, JSON(&a.Services), JSON(&a.Tags),
		&a.Owner, Time(&a.ValidUntil), Duration(&a.ReviewEvery), JSON(&a.RequiredFor), &a.Extra, &a.Body,
		Time(&a.UpdatedAt), &a.Author, &a.Version, &a.Latest, Time(&a.ReviewedAt), &a.ReviewedBy, &a.Helpful, &a.Unhelpful, &a.Uses}
}

// ArticleArgs are the 19 parameters of the stores' insertArticleSQL,
// updateArticleSQL and upsertArticleSQL.
func ArticleArgs(a model.Article) []any {
	return []any{a.Slug, a.Title, string(a.Kind), string(a.State), a.Service, JSONList(a.Services), JSONList(a.Tags),
		a.Owner, Millis(a.ValidUntil), a.ReviewEvery.Milliseconds(), JSONList(a.RequiredFor), a.Extra, a.Body,
		Millis(a.UpdatedAt), a.Author, a.Version, a.Latest, Millis(a.ReviewedAt), a.ReviewedBy}
}

// ScanArticle scans the stores' articleColumns.
func ScanArticle(row Row) (model.Article, error) {
	var a model.Article
	err := row.Scan(ArticleFields(&a)...)
	return a, err
}

// ScanArticleHit scans an article followed by its snippet and rank.
func ScanArticleHit(row Row) (model.ArticleHit, error) {
	var h model.ArticleHit
	err := row.Scan(append(ArticleFields(&h.Article), &h.Snippet, &h.Rank)...)
	return h, err
}

// ScanVersion scans the stores' versionColumns.
func ScanVersion(row Row) (model.ArticleVersion, error) {
	var v model.ArticleVersion
	a := &v.Article
	err := row.Scan(&a.ID, &a.Slug, &a.Title, &a.Kind, &a.State, JSON(&a.Services), JSON(&a.Tags), &a.Owner,
		Time(&a.ValidUntil), Duration(&a.ReviewEvery), JSON(&a.RequiredFor), &a.Extra, &a.Body,
		Time(&a.UpdatedAt), &a.Author, &a.Version, Time(&a.ReviewedAt), &a.ReviewedBy, &v.Note)
	if len(a.Services) > 0 {
		a.Service = a.Services[0]
	}
	return v, err
}

// ScanRead scans an article_reads row: article, version, operator, at.
func ScanRead(row Row) (model.ArticleRead, error) {
	var r model.ArticleRead
	err := row.Scan(&r.Article, &r.Version, &r.Operator, Time(&r.At))
	return r, err
}

// ScanPerson scans an operators row: name, role.
func ScanPerson(row Row) (model.Person, error) {
	var p model.Person
	var role string
	if err := row.Scan(&p.Name, &role); err != nil {
		return p, err
	}
	r, err := model.ParseRole(role)
	p.Role = r
	return p, err
}

// ScanArticleUse scans the stores' articleUsesSQL: article, title, uses.
func ScanArticleUse(row Row) (model.ArticleUse, error) {
	var u model.ArticleUse
	err := row.Scan(&u.Article, &u.Title, &u.Uses)
	return u, err
}
