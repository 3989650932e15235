package consoletest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// editorScript writes a shell script that stands for $EDITOR: it runs body
// with the file to edit as $1.
func editorScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nset -e\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// withEditor sets the console's $EDITOR.
func withEditor(path string) func(*ui.Deps) { return func(d *ui.Deps) { d.Editor = path } }

// c in the knowledge pane runs $EDITOR on a new article; what it writes is
// saved as the operator's first version, and the article opens.
func TestArticleFromEditor(t *testing.T) {
	s := seeded(t)
	script := editorScript(t, `cat > "$1" <<'EOF'
---
title: Restart the PSP bridge
kind: runbook
state: review
services: [payments]
tags: [psp]
---
## Do

Run psp-bridge restart on the payments hosts.
EOF`)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH, withEditor(script))
	tm.Press("4")
	tm.WaitForPane("Knowledge", "KB-1")
	tm.Press("c")
	tm.WaitForPane("KB-3 · Restart the PSP bridge", "v1 review", "payments", "psp-bridge restart")
	tm.Final()
	ar, err := s.db.ArticleBySlug(s.ctx, "restart-the-psp-bridge")
	if err != nil {
		t.Fatal(err)
	}
	if ar.State != model.ArticleReview || ar.Author != operator.Name || ar.Version != 1 {
		t.Fatalf("saved: %s v%d by %s", ar.State, ar.Version, ar.Author)
	}
}

// E on an article edits its newest version in $EDITOR: the change is a new
// draft, shown, while the published version stays in force.
func TestArticleEditInEditor(t *testing.T) {
	s := seeded(t)
	// sed -i's backup suffix is what BSD sed needs; the backup is removed, as
	// it lands beside the console's file outside the test's folder.
	script := editorScript(t, `sed -i.bak 's/Check the PSP gateway\./Check the PSP gateway and its status page./' "$1" && rm -f "$1.bak"`)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH, withEditor(script))
	tm.Press("4")
	tm.WaitForPane("Knowledge", "KB-1")
	tm.Press("E")
	tm.WaitForPane("KB-1 v2 · Checkout 5xx: first response", "v2 draft", "not in force", "status page")
	tm.Final()
	ar, err := s.db.Article(s.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ar.Version != 1 || ar.Latest != 2 || ar.State != model.ArticlePublished {
		t.Fatalf("KB-1 in force: v%d %s, latest v%d", ar.Version, ar.State, ar.Latest)
	}
}

// What the editor wrote that does not parse comes back in the built-in
// editor with the line at fault, the text kept.
func TestArticleEditorParseError(t *testing.T) {
	s := seeded(t)
	script := editorScript(t, `printf -- '---\ntitle: Broken\nkind: novel\n---\nSome text.\n' > "$1"`)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH, withEditor(script))
	tm.Press("4")
	tm.WaitForPane("Knowledge", "KB-1")
	tm.Press("c")
	tm.WaitFor("New article", `new-article.md:3: kind: "novel" is not a kind`, "title: Broken")
	tm.Final()
}

// Without $EDITOR (over SSH), the article is written in the built-in
// editor: the template's title line has the cursor; a slug another
// article has is refused with the text kept.
func TestArticleBuiltInEditor(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("4")
	tm.WaitForPane("Knowledge", "KB-1")
	tm.Press("c")
	tm.WaitFor("New article", "kind: runbook", "review_every: 90d")
	tm.Press("Checkout 5xx", "ctrl+s")
	tm.WaitFor("New article", `slug "checkout-5xx" is KB-1's`, "title: Checkout 5xx")
	tm.Press(" at peak", "ctrl+s")
	tm.WaitForPane("KB-3 · Checkout 5xx at peak", "v1 draft", "What the operator sees")
	tm.Final()
	if ar, err := s.db.ArticleBySlug(s.ctx, "checkout-5xx-at-peak"); err != nil || ar.Owner != operator.Name {
		t.Fatalf("saved: %+v, %v", ar, err)
	}
}

// The lifecycle in the article's detail: the author cannot publish their
// own version (x says why); another lead can.
func TestArticleLifecycle(t *testing.T) {
	s := seeded(t)
	author := model.Actor{Name: "ben.hughes", Role: model.RoleLead}
	saved, err := s.desk.SaveArticle(s.ctx, author, model.Article{Slug: "psp-failover", Title: "Fail over the PSP", Kind: model.ArticleRunbook,
		State: model.ArticleReview, Body: "Switch to the standby PSP."})
	if err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(author, uitest.SmallW, uitest.SmallH)
	tm.Press(":", saved.Ref(), "enter")
	tm.WaitForPane(saved.Ref()+" · Fail over the PSP", "v1 review")
	tm.Press("x")
	tm.WaitFor(saved.Ref()+": next step", "choose the next step with ←/→", "cannot publish (ben.hughes wrote")
	tm.Press("right")
	frame := tm.WaitFor(saved.Ref()+": next step", "v1 review → retired", "cannot publish (ben.hughes wrote")
	if strings.Contains(frame, "←/→ or type: review") || strings.Contains(frame, "publish retire") {
		t.Errorf("the author is offered a step that is not theirs:\n%s", frame)
	}
	tm.Final()

	_, tm = s.console(lead, uitest.SmallW, uitest.SmallH)
	tm.Press(":", saved.Ref(), "enter")
	tm.WaitForPane(saved.Ref()+" · Fail over the PSP", "v1 review")
	tm.Press("x")
	tm.WaitFor(saved.Ref()+": next step", "choose the next step with ←/→")
	tm.Press("pub")
	tm.WaitFor("v1 review → published")
	tm.Press("enter")
	tm.WaitFor(saved.Ref() + ": publish; v1 in force, published")
	tm.Final()
	if ar, err := s.db.Article(s.ctx, saved.ID); err != nil || ar.State != model.ArticlePublished || ar.ReviewedBy != lead.Name {
		t.Fatalf("%s: %+v, %v", saved.Ref(), ar, err)
	}
}

// An operator who wrote the version waiting in review has no step: x
// says why.
func TestArticleOperatorCannotPublish(t *testing.T) {
	s := seeded(t)
	saved, err := s.desk.SaveArticle(s.ctx, operator, model.Article{Slug: "psp-failover", Title: "Fail over the PSP", Kind: model.ArticleRunbook,
		State: model.ArticleReview, Body: "Switch to the standby PSP."})
	if err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":", saved.Ref(), "enter")
	tm.WaitForPane(saved.Ref()+" · Fail over the PSP", "v1 review")
	tm.Press("x")
	tm.WaitFor("✗ tom.okafor (operator) may not publish articles")
	tm.Final()
}

// H in an article lists its versions; d on one and d on another shows the
// diff with the changed line; a version is restored after a question.
func TestArticleHistoryDiffRestore(t *testing.T) {
	s := seeded(t)
	ar, err := s.db.Article(s.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	ar.State = model.ArticleDraft
	ar.Body = strings.Replace(ar.Body, "Check the PSP gateway.", "Check the PSP gateway and its status page.", 1)
	if _, err := s.desk.SaveArticle(s.ctx, lead, ar); err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":KB-1", "enter")
	tm.WaitForPane("KB-1 · Checkout 5xx: first response", "v2 (draft, by maya.patel) is newer")
	tm.Press("H")
	tm.WaitForPane("KB-1 history · Checkout 5xx: first response", "v2", "draft", "maya.patel", "v1", "published")
	tm.Press("d")
	tm.WaitForPane("KB-1 history · Checkout 5xx: first response", "◆ v2")
	tm.Press("j", "d")
	frame := tm.WaitForPane("KB-1 v1 → v2", "-1. Check the PSP gateway.", "+1. Check the PSP gateway and its status page.")
	if strings.Contains(uitest.Pane(frame, "KB-1 v1 → v2"), "Roll back the last deploy") == false {
		t.Errorf("the diff has no context lines:\n%s", frame)
	}
	tm.Press("esc")
	tm.WaitForPane("KB-1 history · Checkout 5xx: first response", "v1")
	tm.Press("U")
	tm.WaitFor("Restore KB-1 v1?")
	tm.Press("y")
	tm.WaitFor("KB-1 v1 restored as v3 (draft)")
	tm.WaitForPane("KB-1 history · Checkout 5xx: first response", "v3", "restored from v1")
	tm.Final()
}

// An article required of operators shows in the footer as one to read,
// :reading lists it, and opening it reads it: the count goes.
func TestUnreadBadge(t *testing.T) {
	s := seeded(t)
	ar := s.article(model.Article{Slug: "war-room-rules", Title: "War-room rules", Kind: model.ArticleHowTo,
		RequiredFor: []string{"operator"}, Body: "Say what you do before you do it."})
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.WaitFor("1 to read")
	tm.Press(":reading", "enter")
	tm.WaitForPane("To read (1)", ar.Ref(), "War-room rules", "required for operator")
	tm.Press("tab", "enter")
	tm.WaitForPane(ar.Ref()+" · War-room rules", "Say what you do")
	tm.WaitUntil("the count gone", func(frame string) bool {
		return !strings.Contains(frame, "to read") && strings.Contains(frame, "War-room rules")
	})
	tm.Press("esc")
	tm.WaitForPane("To read", "Nothing to read")
	tm.Final()
}

// :training is the leads' matrix of who read what; an operator is told
// it is not theirs.
func TestTrainingMatrix(t *testing.T) {
	s := seeded(t)
	if err := s.desk.SyncRoster(s.ctx, model.System, s.plan.p.Roster()); err != nil {
		t.Fatal(err)
	}
	ar := s.article(model.Article{Slug: "war-room-rules", Title: "War-room rules", Kind: model.ArticleHowTo,
		RequiredFor: []string{"operator", "lead"}, Body: "Say what you do before you do it."})
	if _, err := s.desk.ReadArticle(s.ctx, operator, ar.ID); err != nil {
		t.Fatal(err)
	}
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":training", "enter")
	tm.WaitFor("tom.okafor (operator) may not publish articles")
	tm.Final()

	_, tm = s.console(lead, uitest.LargeW, uitest.LargeH)
	tm.Press(":training", "enter")
	frame := tm.WaitForPane("Training", "[1] "+ar.Ref()+" v1 War-room rules", "tom.okafor (operator)", "maya.patel (lead)")
	for _, l := range strings.Split(uitest.Pane(frame, "Training"), "\n") {
		if strings.Contains(l, "tom.okafor (operator)") && !strings.Contains(l, "✓") {
			t.Errorf("tom.okafor read it: %q", l)
		}
		if strings.Contains(l, "maya.patel (lead)") && !strings.Contains(l, "·") {
			t.Errorf("maya.patel has not read it: %q", l)
		}
	}
	tm.Final()
}

// :handover drafts a handover from the live state, saved as a draft, and
// opens it in the editor to finish; saving it unchanged writes nothing.
func TestHandoverDraft(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":handover", "enter")
	tm.WaitFor("Edit KB-3 (v1 draft", "kind: handover", "state: draft")
	tm.Press("ctrl+s")
	tm.WaitFor("KB-3 unchanged: nothing saved")
	tm.Final()
	ar, err := s.db.Article(s.ctx, 3)
	if err != nil || ar.Kind != model.ArticleHandover || ar.State != model.ArticleDraft || ar.Author != operator.Name {
		t.Fatalf("KB-3: %+v, %v", ar, err)
	}
}
