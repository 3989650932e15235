package consoletest

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/store"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// article writes an article as a team does: the operator saves it for
// review, the lead publishes it.
func (s *stack) article(ar model.Article) model.Article {
	s.t.Helper()
	ar.State = model.ArticleReview
	if ar.Kind == "" {
		ar.Kind = model.ArticleRunbook
	}
	saved, err := s.desk.SaveArticle(s.ctx, operator, ar)
	if err != nil {
		s.t.Fatal(err)
	}
	published, err := s.desk.StepArticle(s.ctx, lead, saved.ID, model.PublishArticle, "")
	if err != nil {
		s.t.Fatal(err)
	}
	return published
}

// The plan names checkout's runbooks; the one the knowledge base has
// (checkout-5xx, KB-1) opens with one key from the P1's detail at 80x24,
// and esc comes back to the incident.
func TestRunbookFromIncident(t *testing.T) {
	s := seeded(t)
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("enter")
	frame := tm.WaitForPane("INC-3", "Checkout returns 502")
	if !strings.Contains(lastLine(frame), "O open runb") {
		t.Errorf("the incident's footer does not offer its runbook: %s", lastLine(frame))
	}
	tm.Press("ctrl+d")
	tm.WaitForPane("INC-3", "Runbooks (3)", "KB-1", "Checkout 5xx: first response", "checkout-rollback is not in the knowledge")
	tm.Press("O")
	tm.WaitForPane("KB-1 · Checkout 5xx: first response", "Check the PSP gateway")
	tm.Press("esc")
	tm.WaitForPane("INC-3", "Runbooks (3)")
	tm.Final()
}

// An alert's runbook_url names its article by the URL's last path element.
func TestRunbookFromAlert(t *testing.T) {
	s := seeded(t)
	s.article(model.Article{Slug: "orders-db-disk-full", Title: "orders-db disk full", Service: "orders-db",
		Body: "Free space on the data volume."})
	s.at(hours(-0.2), func() {
		a := model.Alert{DedupKey: "disk-db-3", Name: "DiskFull", Severity: model.SevCritical, Service: "orders-db",
			Summary: "orders-db-3 disk 97% full", Source: "alertmanager", State: model.AlertFiring, StartsAt: now.Add(hours(-0.2)),
			Labels:      map[string]string{"alertname": "DiskFull", "service": "orders-db"},
			Annotations: map[string]string{"runbook_url": "https://runbooks.example/db/orders-db-disk-full"}}
		if _, err := s.desk.RecordAlert(s.ctx, model.System, a); err != nil {
			t.Fatal(err)
		}
	})
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("2")
	tm.WaitForPane("Alerts", "orders-db-3 disk")
	tm.Press("enter")
	tm.WaitForPane("ALR-3 · DiskFull", "Runbooks (4)", "KB-3", "orders-db disk full")
	tm.Press("O")
	tm.WaitForPane("KB-3 · orders-db disk full", "Free space on the data volume")
	tm.Press("esc", "esc")
	tm.WaitForPane("Alerts", "orders-db-3 disk")
	// From the feed, without opening the alert.
	tm.Press("O")
	tm.WaitForPane("KB-3 · orders-db disk full", "Free space on the data volume")
	tm.Final()
}

// Every incident's detail suggests articles from its title, service,
// category and alerts, not only the new-incident form.
func TestSuggestionsOnIncident(t *testing.T) {
	s := seeded(t)
	s.article(model.Article{Slug: "search-stale-after-import", Title: "Search results stale after a catalog import", Service: "search",
		Kind: model.ArticleKnownError, Body: "Reindex the catalog: the import does not trigger it."})
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("j", "enter")
	tm.WaitForPane("INC-4", "Search results stale after catalog import")
	tm.Press("G")
	tm.WaitForPane("INC-4", "Suggested articles", "KB-3", "known-error", "Search results stale after a catalog")
	tm.Final()
}

// A reference in a detail is picked with tab and opened with enter, over
// the detail it was in; esc comes back.
func TestFollowReference(t *testing.T) {
	s := seeded(t)
	ar := s.article(model.Article{Slug: "checkout-handover", Title: "Checkout handover", Kind: model.ArticleHandover,
		Body: "# Handover\n\nThe P1 is INC-3; first response is in KB-1.\n"})
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":", ar.Ref(), "enter")
	tm.WaitForPane(ar.Ref()+" · Checkout handover", "The P1 is INC-3")
	tm.Press("tab")
	tm.WaitFor("→ INC-3 · enter opens")
	tm.Press("tab")
	tm.WaitFor("→ KB-1 · enter opens")
	tm.Press("enter")
	tm.WaitForPane("KB-1 · Checkout 5xx: first response", "Check the PSP gateway")
	tm.Press("esc")
	tm.WaitFor("→ KB-1 · enter opens", "The P1 is INC-3")
	tm.Press("shift+tab", "enter")
	tm.WaitForPane("INC-3", "Checkout returns 502")
	tm.Final()
}

// A command longer than the screen stays on one line, clipped with a
// marker, and scrolls sideways; the prose around it wraps at the width.
func TestCodeBlockUnwrapped(t *testing.T) {
	s := seeded(t)
	command := "kubectl -n checkout rollout undo deployment/checkout-api --to-revision=42 && kubectl -n checkout rollout status deployment/checkout-api"
	ar := s.article(model.Article{Slug: "checkout-rollback", Title: "Roll back checkout", Service: "checkout",
		Body: "# Roll back\n\nWhen the deploy of checkout-api broke the payment page and the error rate is above the SLO, undo it:\n\n```sh\n" +
			command + "\n```\n\nThen watch the error rate.\n"})
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":", ar.Ref(), "enter")
	frame := tm.WaitForPane(ar.Ref()+" · Roll back checkout", "kubectl -n checkout rollout undo", "Then watch the error rate")
	var line string
	for _, l := range strings.Split(uitest.Pane(frame, ar.Ref()+" · Roll back checkout"), "\n") {
		if strings.Contains(l, "kubectl -n checkout rollout undo") {
			line = l
		}
		if strings.Contains(l, "rollout status") && !strings.Contains(l, "rollout undo") {
			t.Errorf("the command wrapped onto a second line:\n%s", frame)
		}
		if strings.Contains(l, "checkout-") && strings.HasSuffix(strings.TrimRight(strings.Trim(l, "│┃ "), " "), "checkout-") {
			t.Errorf("prose broke a word at its hyphen: %q", l)
		}
	}
	if !strings.HasSuffix(strings.TrimRight(line, "│┃ "), "→") {
		t.Errorf("the clipped command has no marker: %q", line)
	}
	if w := len([]rune(frame[:strings.IndexByte(frame, '\n')])); w > uitest.SmallW {
		t.Errorf("a frame line is %d wide", w)
	}
	tm.Press("right", "right")
	frame = tm.WaitForPane(ar.Ref()+" · Roll back checkout", "←", "rollout status deployment/checkout-api")
	if !strings.Contains(frame, "Then watch the error rate") {
		t.Errorf("prose moved sideways with the code:\n%s", frame)
	}
	tm.Press("left", "left")
	tm.WaitForPane(ar.Ref()+" · Roll back checkout", "kubectl -n checkout rollout undo")
	tm.Final()
}

// Resolving names the article that helped: the incident links it, the
// article counts the use, and the suggestion says so next time; + records
// that it helped.
func TestResolveWithArticleThenRate(t *testing.T) {
	s := seeded(t)
	kb := s.article(model.Article{Slug: "search-stale-after-import", Title: "Search results stale after a catalog import", Service: "search",
		Kind: model.ArticleKnownError, Body: "Reindex the catalog: the import does not trigger it."})
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press("j", "r")
	tm.WaitFor("Resolve INC-4", "article")
	tm.Press("fixed", "tab", "tab", "reindexed", "tab", kb.Ref(), "enter")
	tm.WaitFor("INC-4 resolved (fixed)")
	tm.Press(":"+kb.Ref(), "enter")
	tm.WaitForPane(kb.Ref()+" · Search results stale", "used on 1 incident")
	tm.Press("+")
	tm.WaitFor(kb.Ref() + ": noted that it helped (1 helped, 0 did not)")
	tm.WaitForPane(kb.Ref()+" · Search results stale", "helped 1, did not 0")
	tm.Final()
	links, err := s.db.Links(s.ctx, 4)
	if err != nil || len(links) != 1 || links[0].Target != kb.ID {
		t.Fatalf("INC-4 links = %+v, %v", links, err)
	}
}

// :handovers lists the past handovers, newest first, and opens one.
func TestPastHandovers(t *testing.T) {
	s := seeded(t)
	for _, title := range []string{"Handover Monday night", "Handover Tuesday morning"} {
		s.article(model.Article{Slug: strings.ToLower(strings.ReplaceAll(title, " ", "-")), Title: title, Kind: model.ArticleHandover, Body: "All quiet."})
	}
	_, tm := s.console(operator, uitest.SmallW, uitest.SmallH)
	tm.Press(":handovers", "enter")
	frame := tm.WaitForPane("Handovers (2)", "KB-3 Handover Monday night", "KB-4 Handover Tuesday morning")
	if strings.Index(frame, "Tuesday") > strings.Index(frame, "Monday") {
		t.Errorf("handovers not newest first:\n%s", frame)
	}
	tm.Press("tab", "enter")
	tm.WaitForPane("KB-4 · Handover Tuesday morning", "All quiet.")
	tm.Final()
}

// articleReads counts the knowledge pane's reads that reach the store.
type articleReads struct {
	*store.DB
	n atomic.Int32
}

func (r *articleReads) Articles(ctx context.Context, q model.ArticleQuery) ([]model.ArticleHit, error) {
	r.n.Add(1)
	return r.DB.Articles(ctx, q)
}

// Under alerts, the grid's knowledge pane is not read again: no alert
// changes what it shows (the store's knowledge version stays where it was).
// A new article is read and shown at once.
func TestKnowledgeNotReadAgainForAlerts(t *testing.T) {
	s := seeded(t)
	counted := &articleReads{DB: s.db}
	_, tm := s.consoleOn(counted, operator, uitest.LargeW, uitest.LargeH)
	before := counted.n.Load()
	for _, name := range []string{"QueueDepthHigh", "CertExpiring", "PodRestarts"} {
		tm.Mark()
		s.firing(name+".json", warning(strings.ToLower(name), name, "checkout", "prod", ""))
		tm.WaitForPane("Alerts", name)
	}
	if n := counted.n.Load(); n != before {
		t.Errorf("three alerts read the knowledge pane %d times", n-before)
	}
	tm.Mark()
	s.article(model.Article{Slug: "queue-depth", Title: "Queue depth runbook", Body: "Scale the consumers."})
	tm.WaitForPane("Knowledge", "Queue depth runbook")
	if counted.n.Load() == before {
		t.Error("the new article was shown without a read")
	}
	tm.Final()
}
