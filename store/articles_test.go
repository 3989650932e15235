package store

import (
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

// importArticles writes fixtures through the import, which keeps the
// states they name, as alice (a lead).
func importArticles(t *testing.T, desk *model.Desk, arts ...model.Article) []model.ArticleVersion {
	t.Helper()
	items := make([]model.ImportItem, len(arts))
	for i, ar := range arts {
		items[i] = model.ImportItem{Source: ar.Slug + ".md", Article: ar}
	}
	res, err := desk.ImportArticles(t.Context(), alice, items)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]model.ArticleVersion, len(res))
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Source, r.Err)
		}
		out[i] = r.Version
	}
	return out
}
