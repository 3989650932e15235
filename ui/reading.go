package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// readingBody lists what the operator must still read: the published
// articles required of their role and the newest handover, unread in the
// version in force. tab picks one and enter opens it, which reads it.
type readingBody struct{}

func (b readingBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	d, err := s.Reader.TrainingData(ctx)
	if err != nil {
		return b, "", "", err
	}
	list := d.Unread(s.Actor.Name, s.Actor.Role)
	st := s.st
	if len(list) == 0 {
		return b, "To read", " " + st.Dim.Render("Nothing to read: you have read every article required of a "+s.Actor.Role.String()+"."), nil
	}
	var lines []string
	for _, ar := range list {
		why := "required for " + strings.Join(ar.RequiredFor, ", ")
		if ar.ID == d.NewestHandover {
			why = "the newest handover"
		}
		lines = append(lines, " "+st.Bold.Render(ar.Ref())+" "+fit(ar.Title, max(w-len(ar.Ref())-2, 10)),
			"   "+st.Dim.Render(fit(fmt.Sprintf("%s · v%d · %s", ar.Kind, ar.Version, why), max(w-3, 10))), "")
	}
	lines = append(lines, st.Dim.Render(" tab picks an article, enter opens it; opening it counts as reading it"))
	return b, fmt.Sprintf("To read (%d)", len(list)), strings.Join(lines, "\n"), nil
}

func (readingBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (readingBody) actions(*session) []key.Binding         { return nil }

// handoversShown is how many past handovers :handovers lists.
const handoversShown = 30

// handoversBody lists the past handovers, newest first, with who wrote
// each and where it stands; tab picks one and enter opens it. Viewers see
// the published ones, as in the knowledge pane.
type handoversBody struct{}

func (b handoversBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	list, err := s.Reader.Articles(ctx, model.ArticleQuery{Kind: model.ArticleHandover, Limit: handoversShown,
		Published: !s.may(model.PermWriteArticle)})
	if err != nil {
		return b, "", "", fmt.Errorf("handovers: %w", err)
	}
	st := s.st
	if len(list) == 0 {
		return b, "Handovers", " " + st.Dim.Render("No handover yet: :handover drafts one from the live state."), nil
	}
	var lines []string
	for _, h := range list {
		lines = append(lines, " "+st.Bold.Render(h.Ref())+" "+fit(h.Title, max(w-len(h.Ref())-2, 10)),
			"   "+st.Dim.Render(fit(fmt.Sprintf("v%d %s · %s by %s", h.Version, h.State, stamp(h.UpdatedAt, s.loc()), h.Author), max(w-3, 10))), "")
	}
	lines = append(lines, st.Dim.Render(" tab picks a handover, enter opens it; :handover drafts the next"))
	title := fmt.Sprintf("Handovers (%d)", len(list))
	if len(list) == handoversShown {
		title = fmt.Sprintf("Handovers (newest %d)", handoversShown)
	}
	return b, title, strings.Join(lines, "\n"), nil
}

func (handoversBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (handoversBody) actions(*session) []key.Binding         { return nil }

// trainingBody is the training matrix a lead reads: a row per operator on
// the plan's roster, a column per required article, and the completion.
type trainingBody struct{}

// showTraining opens the matrix for those who publish articles: the lead
// who puts an article in force follows up who has read it.
func showTraining(s *session) tea.Cmd {
	// A read, so a read-only console's lead may see it: the role alone
	// decides, not s.refuse.
	if err := s.Actor.Check(model.PermPublishArticle); err != nil {
		return notice(fmt.Errorf("%w; the training matrix is theirs", err))
	}
	return openDetail(trainingBody{})
}

func (b trainingBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	d, err := s.Reader.TrainingData(ctx)
	if err != nil {
		return b, "", "", err
	}
	t := d.Matrix()
	st := s.st
	title := "Training · " + t.Completion.Percent() + fmt.Sprintf(" done (%d of %d)", t.Completion.N, t.Completion.Of)
	switch {
	case len(t.Articles) == 0:
		return b, "Training", " " + st.Dim.Render("No article is required reading: set required_for in an article's front matter, or publish a handover."), nil
	case len(t.Rows) == 0:
		return b, title, " " + st.Dim.Render("Nobody is on the roster: the plan's operators are read in when hypercare starts."), nil
	}
	lines := []string{" " + st.Dim.Render("✓ read in force · vN an older version · · not read · blank: not required of their role"), ""}
	for i, ar := range t.Articles {
		lines = append(lines, " "+fit(fmt.Sprintf("[%d] %s v%d %s", i+1, ar.Ref(), ar.Version, ar.Title), max(w-2, 10)))
	}
	nameW := 8
	for _, r := range t.Rows {
		nameW = max(nameW, width(r.Name)+width(r.Role.String())+3)
	}
	head := " " + fit("operator", nameW)
	for i := range t.Articles {
		head += pad(fmt.Sprintf("[%d]", i+1), 5)
	}
	lines = append(lines, "", st.Bold.Render(head+"  done"))
	for _, r := range t.Rows {
		line := " " + fit(fmt.Sprintf("%s (%s)", r.Name, r.Role), nameW)
		for _, c := range r.Cells {
			cell := ""
			switch {
			case !c.Required:
			case c.Current:
				cell = "✓"
			case c.Read > 0:
				cell = fmt.Sprintf("v%d", c.Read)
			default:
				cell = "·"
			}
			line += pad(cell, 5)
		}
		done := fmt.Sprintf("  %d/%d", r.Done.N, r.Done.Of)
		if r.Done.N < r.Done.Of {
			done = st.Warn.Render(done)
		}
		lines = append(lines, line+done)
	}
	return b, title, strings.Join(lines, "\n"), nil
}

func (trainingBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (trainingBody) actions(*session) []key.Binding         { return nil }
