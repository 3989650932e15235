package model_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

func TestArticleLifecycleAndPermissions(t *testing.T) {
	viewer := model.Actor{Name: "vera", Role: model.RoleViewer}
	op := model.Actor{Name: "otto", Role: model.RoleOperator}
	lead := model.Actor{Name: "lena", Role: model.RoleLead}
	author := model.Actor{Name: "otto", Role: model.RoleLead} // otto promoted: still the author
	version := func(s model.ArticleState) model.Article {
		return model.Article{ID: 4, Version: 2, State: s, Author: "otto"}
	}
	tests := []struct {
		state model.ArticleState
		act   model.ArticleAction
		actor model.Actor
		want  model.ArticleState
		err   string
	}{
		{model.ArticleDraft, model.SubmitArticle, op, model.ArticleReview, ""},
		{model.ArticleDraft, model.SubmitArticle, viewer, "", "may not write articles"},
		{model.ArticleReview, model.SubmitArticle, op, "", "only from draft"},
		{model.ArticleReview, model.ReviewArticle, lead, model.ArticleReview, ""},
		{model.ArticleReview, model.ReviewArticle, op, "", "otto wrote this version"},
		{model.ArticlePublished, model.ReviewArticle, lead, model.ArticlePublished, ""},
		{model.ArticleDraft, model.ReviewArticle, lead, "", "only from review, published"},
		{model.ArticleReview, model.RejectArticle, lead, model.ArticleDraft, ""},
		{model.ArticleReview, model.PublishArticle, lead, model.ArticlePublished, ""},
		{model.ArticleReview, model.PublishArticle, author, "", "otto wrote this version; someone else reviews and publishes it"},
		{model.ArticleReview, model.PublishArticle, model.Actor{Name: "olga", Role: model.RoleOperator}, "", "may not publish articles"},
		{model.ArticleDraft, model.PublishArticle, lead, "", "KB-4 v2 is draft: cannot publish (only from review)"},
		{model.ArticlePublished, model.RetireArticle, lead, model.ArticleRetired, ""},
		{model.ArticlePublished, model.RetireArticle, op, "", "may not retire articles"},
		{model.ArticleRetired, model.RetireArticle, lead, "", "only from draft, review, published"},
		{model.ArticleDraft, "archive", lead, "", `"archive" is not an article step`},
	}
	for _, tc := range tests {
		t.Run(string(tc.state)+" "+string(tc.act)+" by "+tc.actor.Role.String(), func(t *testing.T) {
			got, err := model.NextArticleState(version(tc.state), tc.act, tc.actor)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error = %v, want %q", err, tc.err)
			case tc.err == "" && got != tc.want:
				t.Fatalf("state = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestReviewDue(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name string
		ar   model.Article
		want bool
	}{
		{"never reviewed, saved long ago", model.Article{State: model.ArticlePublished, ReviewEvery: 30 * day, UpdatedAt: now.Add(-31 * day)}, true},
		{"reviewed lately", model.Article{State: model.ArticlePublished, ReviewEvery: 30 * day, UpdatedAt: now.Add(-90 * day), ReviewedAt: now.Add(-3 * day)}, false},
		{"past valid until", model.Article{State: model.ArticlePublished, ValidUntil: now.Add(-time.Hour)}, true},
		{"no interval", model.Article{State: model.ArticlePublished, UpdatedAt: now.Add(-900 * day)}, false},
		{"a draft is not due", model.Article{State: model.ArticleDraft, ReviewEvery: day, UpdatedAt: now.Add(-9 * day)}, false},
	}
	for _, tc := range tests {
		if got := tc.ar.ReviewDue(now); got != tc.want {
			t.Errorf("%s: due = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestUnifiedDiff(t *testing.T) {
	a := strings.Split("one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\ntwelve", "\n")
	b := strings.Split("one\nTWO\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\ntwelve\nthirteen", "\n")
	want := `--- a
+++ b
@@ -1,5 +1,5 @@
 one
-two
+TWO
 three
 four
 five
@@ -10,3 +10,4 @@
 ten
 eleven
 twelve
+thirteen
`
	if got := model.UnifiedDiff("a", "b", a, b, 3); got != want {
		t.Fatalf("diff:\n%s\nwant:\n%s", got, want)
	}
	if got := model.UnifiedDiff("a", "b", a, a, 3); got != "" {
		t.Fatalf("equal texts diff to %q", got)
	}
	if got := model.UnifiedDiff("a", "b", nil, []string{"x"}, 3); got != "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n" {
		t.Fatalf("diff from nothing:\n%s", got)
	}
}

func TestArticleVersionsLifecycleAndRestore(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	carl := model.Actor{Name: "carl", Role: model.RoleLead}

	// bob writes a draft; saving the same text again writes nothing.
	v1, err := desk.SaveArticle(ctx, bob, model.Article{Slug: "psp-timeouts", Title: "PSP timeouts", Kind: model.ArticleRunbook,
		Services: []string{"payments", "checkout"}, Owner: "bob", ReviewEvery: 30 * 24 * time.Hour, Body: "Call AcmePay.\n"})
	if err != nil || v1.Version != 1 || v1.State != model.ArticleDraft || v1.Service != "payments" {
		t.Fatalf("first save = %+v, %v", v1, err)
	}
	if again, _ := desk.SaveArticle(ctx, bob, model.Article{Slug: "psp-timeouts", Title: "PSP timeouts", Kind: model.ArticleRunbook,
		Services: []string{"payments", "checkout"}, Owner: "bob", ReviewEvery: 30 * 24 * time.Hour, Body: "Call AcmePay.\n"}); again.Version != 1 {
		t.Fatalf("an unchanged save made version %d", again.Version)
	}
	if _, err := desk.SaveArticle(ctx, bob, model.Article{Slug: "x", Title: "x", Kind: model.ArticleFAQ, State: model.ArticlePublished, Body: "x"}); err == nil {
		t.Fatal("a save published an article")
	}
	step := func(a model.Actor, act model.ArticleAction, comment string) model.Article {
		t.Helper()
		ar, err := desk.StepArticle(ctx, a, v1.ID, act, comment)
		if err != nil {
			t.Fatalf("%s %s: %v", a.Name, act, err)
		}
		return ar
	}
	step(bob, model.SubmitArticle, "")
	if _, err := desk.StepArticle(ctx, alice, v1.ID, model.RejectArticle, ""); err == nil {
		t.Fatal("a rejection without a reason went through")
	}
	step(alice, model.RejectArticle, "say which AcmePay number")
	step(bob, model.SubmitArticle, "")
	if _, err := desk.StepArticle(ctx, bob, v1.ID, model.PublishArticle, ""); err == nil {
		t.Fatal("bob published his own version")
	}
	clk.Tick()
	pub := step(alice, model.PublishArticle, "")
	if pub.State != model.ArticlePublished || pub.ReviewedBy != "alice" || pub.Version != 1 {
		t.Fatalf("published = %+v", pub)
	}

	// v2 is drafted while v1 stays in force for everyone.
	v2, err := desk.SaveArticle(ctx, bob, model.Article{ID: v1.ID, Slug: "psp-timeouts", Title: "PSP timeouts", Kind: model.ArticleRunbook,
		Services: []string{"payments"}, Owner: "bob", ReviewEvery: 30 * 24 * time.Hour, Body: "Call AcmePay on +44 20 0000.\n"})
	if err != nil || v2.Version != 2 {
		t.Fatalf("second save = %+v, %v", v2, err)
	}
	inForce, _ := db.Article(ctx, v1.ID)
	if inForce.Version != 1 || inForce.Latest != 2 || inForce.State != model.ArticlePublished || inForce.Body != "Call AcmePay.\n" {
		t.Fatalf("in force while v2 is drafted = %+v", inForce)
	}
	if hits, _ := db.Articles(ctx, model.ArticleQuery{Published: true}); len(hits) != 1 {
		t.Fatalf("viewers' list = %+v", hits)
	}
	step(bob, model.SubmitArticle, "")
	step(carl, model.PublishArticle, "")
	versions, err := db.ArticleVersions(ctx, v1.ID)
	if err != nil || len(versions) != 2 || versions[0].State != model.ArticlePublished || versions[1].State != model.ArticleOutdated {
		t.Fatalf("versions = %+v, %v", versions, err)
	}

	diff, err := desk.DiffArticle(ctx, v1.ID, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--- KB-1 v1 (outdated, bob,", "+++ KB-1 v2 (published, bob,",
		"-services: payments, checkout\n+services: payments\n", "-Call AcmePay.\n+Call AcmePay on +44 20 0000.\n"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}

	// Restoring v1 is a new draft equal to it; v2 stays in force.
	v3, err := desk.RestoreArticle(ctx, alice, v1.ID, 1)
	if err != nil || v3.Version != 3 || v3.State != model.ArticleDraft || v3.Body != "Call AcmePay.\n" || v3.Note != "restored from v1" {
		t.Fatalf("restore = %+v, %v", v3, err)
	}
	if _, err := desk.RestoreArticle(ctx, alice, v1.ID, 1); err == nil {
		t.Fatal("restoring what the newest version says made another version")
	}
	if d, _ := desk.DiffArticle(ctx, v1.ID, 1, 3); d != "" {
		t.Fatalf("a restore differs from its original:\n%s", d)
	}
	if ar, _ := db.Article(ctx, v1.ID); ar.Version != 2 || ar.Latest != 3 {
		t.Fatalf("after restore the article in force is v%d of %d", ar.Version, ar.Latest)
	}
	step(lead(t), model.RetireArticle, "")
	if hits, _ := db.Articles(ctx, model.ArticleQuery{}); len(hits) != 0 {
		t.Fatalf("a retired article is listed: %+v", hits)
	}
	if _, err := desk.StepArticle(ctx, bob, 99, model.SubmitArticle, ""); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("step on a missing article = %v", err)
	}
}

func lead(*testing.T) model.Actor { return model.Actor{Name: "lena", Role: model.RoleLead} }

func TestReadsFeedbackAndTraining(t *testing.T) {
	ctx := t.Context()
	db, desk, clk := newDesk(t)
	roster := []model.Person{{Name: "alice", Role: model.RoleLead}, {Name: "bob", Role: model.RoleOperator}, {Name: "vera", Role: model.RoleViewer}}
	if err := desk.SyncRoster(ctx, model.System, roster); err != nil {
		t.Fatal(err)
	}
	res, err := desk.ImportArticles(ctx, alice, []model.ImportItem{
		{Source: "a.md", Article: model.Article{Slug: "on-call", Title: "On call", Kind: model.ArticleHowTo, State: model.ArticlePublished,
			RequiredFor: []string{"operator", "Lead"}, Body: "Carry the phone.\n"}},
		{Source: "b.md", Article: model.Article{Slug: "handover-1", Title: "Handover 1", Kind: model.ArticleHandover, State: model.ArticlePublished, Body: "Quiet.\n"}},
		{Source: "c.md", Article: model.Article{Slug: "free", Title: "Nice to know", Kind: model.ArticleFAQ, State: model.ArticlePublished, Body: "x\n"}},
		{Source: "d.md", Article: model.Article{Slug: "bad", Title: "Bad", Kind: "guide", Body: "x\n"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[3].Outcome != model.ImportRejected || !strings.Contains(res[3].Err.Error(), `kind "guide"`) {
		t.Fatalf("bad article = %+v", res[3])
	}
	if _, err := desk.ImportArticles(ctx, bob, nil); err == nil {
		t.Fatal("an operator imported")
	}
	onCall, handover := res[0].Version.ID, res[1].Version.ID
	unread := func(a model.Actor) string {
		list, err := desk.Unread(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, ar := range list {
			slugs = append(slugs, ar.Slug)
		}
		return strings.Join(slugs, " ")
	}
	if got := unread(bob); got != "handover-1 on-call" {
		t.Fatalf("bob's unread = %q", got)
	}
	if got := unread(model.Actor{Name: "vera", Role: model.RoleViewer}); got != "" {
		t.Fatalf("a viewer must read %q", got)
	}
	if _, err := desk.ReadArticle(ctx, bob, onCall); err != nil {
		t.Fatal(err)
	}
	if _, err := desk.ReadArticle(ctx, bob, handover); err != nil {
		t.Fatal(err)
	}
	if got := unread(bob); got != "" {
		t.Fatalf("bob still has %q unread", got)
	}
	// A new version of on-call, published, is unread again; a newer
	// handover replaces the old one.
	clk.Tick()
	if _, err := desk.ImportArticles(ctx, alice, []model.ImportItem{
		{Source: "a.md", Article: model.Article{Slug: "on-call", Title: "On call", Kind: model.ArticleHowTo, State: model.ArticlePublished,
			RequiredFor: []string{"operator", "lead"}, Body: "Carry the phone, charged.\n"}},
		{Source: "e.md", Article: model.Article{Slug: "handover-2", Title: "Handover 2", Kind: model.ArticleHandover, State: model.ArticlePublished, Body: "Busy.\n"}},
	}); err != nil {
		t.Fatal(err)
	}
	if got := unread(bob); got != "handover-2 on-call" {
		t.Fatalf("bob's unread after new versions = %q", got)
	}
	tr, err := desk.Training(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Articles) != 2 || len(tr.Rows) != 3 || tr.Completion != (model.Ratio{N: 0, Of: 4}) {
		t.Fatalf("training = %+v", tr)
	}
	if c := tr.Rows[1].Cells[1]; tr.Rows[1].Name != "bob" || tr.Articles[1].Slug != "on-call" || !c.Required || c.Read != 1 || c.Current {
		t.Fatalf("bob's on-call cell = %+v (%s)", c, tr.Articles[1].Slug)
	}
	desk.ReadArticle(ctx, bob, onCall)
	m, err := model.ReadMetrics(ctx, db, clk.At.Add(-time.Hour), clk.At, time.UTC)
	if err != nil || m.Training != (model.Ratio{N: 1, Of: 4}) {
		t.Fatalf("metrics training = %+v, %v", m.Training, err)
	}

	// Verdicts: one per operator, the last one counts.
	desk.RateArticle(ctx, bob, onCall, false)
	desk.RateArticle(ctx, bob, onCall, true)
	ar, err := desk.RateArticle(ctx, alice, onCall, true)
	if err != nil || ar.Helpful != 2 || ar.Unhelpful != 0 {
		t.Fatalf("verdicts = %d/%d, %v", ar.Helpful, ar.Unhelpful, err)
	}
	reads, _ := db.ArticleReads(ctx, onCall)
	if len(reads) != 2 || reads[0].Version != 2 || reads[1].Version != 1 {
		t.Fatalf("reads = %+v", reads)
	}
}

// Resolving can name the article that helped: it is linked to the incident
// (once), named on the timeline and counted as a use; a retired article or
// one that does not exist is refused and nothing is resolved.
func TestResolveRecordsTheArticleUsed(t *testing.T) {
	ctx := t.Context()
	db, desk, _ := newDesk(t)
	saved, err := desk.SaveArticle(ctx, alice, model.Article{Slug: "lag", Title: "Replica lag", Kind: model.ArticleRunbook, Body: "Check it."})
	if err != nil {
		t.Fatal(err)
	}
	id := saved.ID
	open := func() model.Incident {
		in, err := desk.CreateIncident(ctx, bob, model.NewIncident{Title: "lag", Service: "orders", Impact: model.Low, Urgency: model.Low})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	for _, tc := range []struct {
		name    string
		article int64
		linked  bool // already linked before resolving
		wantErr string
	}{
		{name: "none", article: 0},
		{name: "named", article: id},
		{name: "already linked", article: id, linked: true},
		{name: "no such article", article: 999, wantErr: "KB-999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := open()
			if tc.linked {
				if _, err := desk.Link(ctx, bob, in.ID, "article", id); err != nil {
					t.Fatal(err)
				}
			}
			_, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed", Article: tc.article})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if got, _ := db.Incident(ctx, in.ID); got.State == model.StateResolved {
					t.Fatal("resolved although the article was refused")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			links, err := db.Links(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[tc.article != 0]; len(links) != want {
				t.Fatalf("links = %+v, want %d", links, want)
			}
			tl, err := db.Timeline(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := tl[len(tl)-1].Text
			if named := strings.Contains(last, "used KB-"); named != (tc.article != 0) {
				t.Fatalf("timeline %q", last)
			}
		})
	}
	if ar, err := db.Article(ctx, id); err != nil || ar.Uses != 2 {
		t.Fatalf("uses = %d, %v; want 2", ar.Uses, err)
	}
	if _, err := desk.StepArticle(ctx, alice, id, model.RetireArticle, ""); err != nil {
		t.Fatal(err)
	}
	in := open()
	if _, err := desk.Transition(ctx, bob, in.ID, model.StateChange{To: model.StateResolved, Code: "fixed", Article: id}); err == nil || !strings.Contains(err.Error(), "retired") {
		t.Fatalf("resolving with a retired article: %v", err)
	}
}
