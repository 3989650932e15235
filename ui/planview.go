package ui

import (
	"context"
	"errors"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

// planBody is the support plan as a document (:plan): the plan in force,
// written as Markdown by the plan itself and rendered like an article, so
// what the console shows and `hypercare plan show` prints are one text.
// It reads again when the plan is reloaded, as every open view does.
type planBody struct {
	style   string // glamour's, as articles are rendered for this terminal
	profile termenv.Profile
}

func newPlanBody(s *session) planBody {
	a := newArticleBody(s, 0)
	return planBody{style: a.style, profile: a.profile}
}

func (b planBody) read(_ context.Context, s *session, w int) (body, string, string, error) {
	p := s.plan()
	if p == nil {
		return b, "", "", errors.New("no support plan is loaded")
	}
	text, err := renderMarkdown(p.Markdown(), w, b.style, b.profile)
	if err != nil {
		return b, "", "", fmt.Errorf("render the plan: %w", err)
	}
	title := "Support plan"
	if p.Path != "" {
		title += " · " + p.Path
	}
	return b, title, text, nil
}

func (planBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (planBody) actions(*session) []key.Binding         { return nil }
