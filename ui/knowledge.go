package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/muesli/termenv"
)

func newKnowledge(s *session) *listPane[model.ArticleHit] {
	return newListPane(s, listSpec[model.ArticleHit]{
		name:        "Knowledge",
		placeholder: "search articles (full text)",
		empty:       "No articles.",
		id:          func(h model.ArticleHit) int64 { return h.ID },
		fetch: func(ctx context.Context, q listQuery) ([]model.ArticleHit, error) {
			return s.Reader.Articles(ctx, model.ArticleQuery{Search: q.filter, Offset: q.offset, Limit: q.limit})
		},
		row: func(h model.ArticleHit, w int, paint func(lipgloss.Style, string) string) string {
			const kindW, refW = 11, 6
			line := fit(h.Ref(), refW) + " " + paint(s.st.Label, fit(string(h.Kind), kindW)) + " "
			rest := w - refW - kindW - 2
			if h.Snippet == "" {
				return line + fit(h.Title, rest)
			}
			titleW := min(len([]rune(h.Title))+2, rest/2)
			return line + fit(h.Title, titleW) + paint(s.st.Dim, fit(highlight(h.Snippet, s.st, paint), rest-titleW))
		},
		status: func(_ countsMsg, filtered bool) string {
			if filtered {
				return "search"
			}
			return ""
		},
		open: func(h model.ArticleHit) tea.Cmd { return openDetail(newArticleBody(s, h.ID)) },
	})
}

// highlight turns the store's match markers into styling (or plain text on
// a selected row).
func highlight(snippet string, st *Styles, paint func(lipgloss.Style, string) string) string {
	var b strings.Builder
	for {
		i := strings.Index(snippet, model.HighlightStart)
		if i < 0 {
			break
		}
		j := strings.Index(snippet[i:], model.HighlightEnd)
		if j < 0 {
			break
		}
		b.WriteString(snippet[:i])
		b.WriteString(paint(st.Highlight, snippet[i+len(model.HighlightStart):i+j]))
		snippet = snippet[i+j+len(model.HighlightEnd):]
	}
	b.WriteString(snippet)
	return strings.ReplaceAll(b.String(), "\n", " ")
}

// articleBody is a knowledge base article, its markdown rendered for the
// session's terminal.
type articleBody struct {
	id      int64
	style   string // glamour's: dark, light, or notty without colour
	profile termenv.Profile
}

// newArticleBody decides, on the UI goroutine, how the article's markdown
// is rendered for this session's terminal.
func newArticleBody(s *session, id int64) articleBody {
	b := articleBody{id: id, style: "dark", profile: termenv.TrueColor}
	if s.Renderer != nil {
		b.profile = s.Renderer.ColorProfile()
		if !s.Renderer.HasDarkBackground() {
			b.style = "light"
		}
	}
	if b.profile == termenv.Ascii {
		b.style = "notty"
	}
	return b
}

func (b articleBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	title, text, err := articleDetail(ctx, s, b.id, w, s.loc(), b.style, b.profile)
	return b, title, text, err
}

func (articleBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (articleBody) actions(*session) []key.Binding         { return nil }

func articleDetail(ctx context.Context, s *session, id int64, w int, loc *time.Location, style string, profile termenv.Profile) (string, string, error) {
	a, err := s.Reader.Article(ctx, id)
	if err != nil {
		return "", "", fmt.Errorf("KB-%d: %w", id, err)
	}
	body, err := renderMarkdown(a.Body, w, style, profile)
	if err != nil {
		return "", "", fmt.Errorf("render KB-%d: %w", id, err)
	}
	parts := []string{string(a.Kind), string(a.State)}
	if a.Service != "" {
		parts = append(parts, a.Service)
	}
	parts = append(parts, "updated "+stamp(a.UpdatedAt, loc)+" by "+a.Author)
	if len(a.Tags) > 0 {
		parts = append(parts, "#"+strings.Join(a.Tags, " #"))
	}
	var meta []string
	for _, l := range wrap(strings.Join(parts, " · "), max(w-2, 20)) {
		meta = append(meta, " "+s.st.Dim.Render(l))
	}
	return a.Ref() + " · " + a.Title, strings.Join(meta, "\n") + "\n" + body, nil
}
