package storetest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
)

func testArticleSearch(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	importArticles(t, desk, []model.Article{
		{Slug: "replication-lag", Title: "Orders DB replication lag", Kind: model.ArticleRunbook, State: model.ArticlePublished,
			Tags: []string{"postgres"}, Body: "Check the replica. If lag grows, fail over."},
		{Slug: "disk-full", Title: "Orders DB disk full", Kind: model.ArticleRunbook, State: model.ArticleReview,
			Tags: []string{"postgres", "disk"}, Body: "Free space. Unused replication slots hold WAL and cause lag; drop the replication slot."},
		{Slug: "psp", Title: "PSP timeouts", Kind: model.ArticleKnownError, State: model.ArticleDraft,
			Body: "The payment provider times out under load; replication is not involved."},
		{Slug: "old", Title: "Old replication notes", Kind: model.ArticleHandover, State: model.ArticleRetired,
			Body: "replication replication replication"},
	}...)

	hits, err := db.Articles(ctx, model.ArticleQuery{Search: "replication"})
	if err != nil {
		t.Fatal(err)
	}
	if r := refs(hits, func(h model.ArticleHit) string { return h.Slug }); r != "replication-lag disk-full psp" {
		t.Fatalf("ranking = %q; want the title hit first, the retired article left out", r)
	}
	for i, h := range hits {
		if !strings.Contains(h.Snippet, model.HighlightStart+"replication"+model.HighlightEnd) &&
			!strings.Contains(h.Snippet, model.HighlightStart+"Replication"+model.HighlightEnd) {
			t.Errorf("snippet %q has no highlighted match", h.Snippet)
		}
		if i > 0 && h.Rank > hits[i-1].Rank {
			t.Errorf("rank not descending: %v after %v", h.Rank, hits[i-1].Rank)
		}
	}

	for _, tc := range []struct{ search, want string }{
		{"repl", "replication-lag disk-full psp"}, // the last word is a prefix
		{"orders lag", "replication-lag disk-full"},
		{"postgres disk", "disk-full"}, // tags are searched
		{"", "disk-full replication-lag psp"},
		{"  -  ", "disk-full replication-lag psp"}, // nothing searchable: list by title
	} {
		hits, err := db.Articles(ctx, model.ArticleQuery{Search: tc.search})
		if err != nil {
			t.Fatalf("%q: %v", tc.search, err)
		}
		if r := refs(hits, func(h model.ArticleHit) string { return h.Slug }); r != tc.want {
			t.Errorf("search %q = %q, want %q", tc.search, r, tc.want)
		}
	}

	hostile := []string{`"`, `"unbalanced`, `title:`, `body:lag`, `-lag`, `lag -`, `*`, `lag*`, `*lag`, `a AND`,
		`OR`, `NOT x`, `NEAR(a b)`, `(`, `)`, `^lag`, `{title}: lag`, `lag + disk`, `'`, `\`, `%`, `lag:"x"`,
		"tab\there", `""""`, `😀`, `\u0000`}
	for _, q := range hostile {
		if _, err := db.Articles(ctx, model.ArticleQuery{Search: q}); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
}

// Suggestions match any word of an incident's title, best match first.
func testArticleSuggestions(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	for _, a := range []model.Article{
		{Slug: "disk", Title: "Disk full on a database host", Kind: model.ArticleRunbook, Body: "Free space: rotate the WAL archive."},
		{Slug: "psp", Title: "PSP timeouts", Kind: model.ArticleKnownError, Body: "AcmePay answers slowly at peak."},
	} {
		if _, err := desk.SaveArticle(ctx, alice, a); err != nil {
			t.Fatal(err)
		}
	}
	hits, err := db.Articles(ctx, model.ArticleQuery{Search: "orders-db disk nearly full", Any: true, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Slug != "disk" {
		t.Fatalf("suggestions = %+v", hits)
	}
	// All words must match without Any.
	if hits, _ := db.Articles(ctx, model.ArticleQuery{Search: "orders-db disk nearly full"}); len(hits) != 0 {
		t.Fatalf("search without Any = %+v", hits)
	}
}

// Equally relevant articles rank by use: the one named when resolving an
// incident climbs above its twin, then helpful verdicts break a tie; a
// clearly better match still comes first.
func testArticleSearchRanksByUse(t *testing.T, h Harness) {
	ctx := t.Context()
	db, desk, _ := h.desk(t)
	vs := importArticles(t, desk,
		model.Article{Slug: "a", Title: "Replica lag", Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Check the replica."},
		model.Article{Slug: "b", Title: "Replica lag", Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Check the replica."},
		model.Article{Slug: "c", Title: "Replica lag", Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Check the replica."},
		model.Article{Slug: "best", Title: "Replica lag replica lag", Kind: model.ArticleRunbook, State: model.ArticlePublished,
			Body: "Replica lag: replica lag, replica lag."},
	)
	a, b, c := vs[0].ID, vs[1].ID, vs[2].ID
	// Words in every article weigh nothing in bm25: others make them rare.
	for _, w := range strings.Fields("disk cache queue token gateway kafka redis cdn vpn dns") {
		importArticles(t, desk, model.Article{Slug: w, Title: w + " runbook", Kind: model.ArticleRunbook, State: model.ArticlePublished, Body: "Restart " + w + "."})
	}
	order := func() []string {
		hits, err := db.Articles(ctx, model.ArticleQuery{Search: "replica lag", Published: true, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, h := range hits {
			slugs = append(slugs, h.Slug)
		}
		return slugs
	}
	if got := order(); got[0] != "best" {
		t.Fatalf("before any use: %v; the best match first", got)
	}
	in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "lag", Service: "orders", Impact: model.Low, Urgency: model.Low})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed", Article: c}); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.RateArticle(ctx, bob, b, true); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.RateArticle(ctx, alice, a, false); err != nil {
		t.Fatal(err)
	}
	if got, want := order(), []string{"best", "c", "b", "a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ranked %v, want %v (relevance, then uses, then verdicts)", got, want)
	}
	got, err := db.Article(ctx, c)
	if err != nil || got.Uses != 1 {
		t.Fatalf("KB-%d uses = %d, %v; want 1", c, got.Uses, err)
	}
}
