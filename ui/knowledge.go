package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
	"github.com/muesli/termenv"
)

// knowledgePane is the knowledge base: a list of articles, searched in
// full text, where "new" writes an article.
type knowledgePane struct{ *listPane[model.ArticleHit] }

// newRecord opens a new article in the editor: "new" in the knowledge
// base writes an article, not an incident.
func (p knowledgePane) newRecord() tea.Cmd { return newArticle(p.s) }

func newKnowledge(s *session) knowledgePane {
	return knowledgePane{newListPane(s, listSpec[model.ArticleHit]{
		name:        "Knowledge",
		legend:      knowledgeLegend,
		placeholder: "search articles (full text)",
		empty:       "No articles.",
		timeless:    true,
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
		keys: func(h model.ArticleHit, msg tea.KeyMsg) (tea.Cmd, bool) {
			if key.Matches(msg, s.km.Edit) {
				return editArticle(s, h.ID), true
			}
			return nil, false
		},
		bindings: func() []key.Binding {
			return []key.Binding{s.offer(relabel(s.km.New, "new article"), model.PermWriteArticle),
				s.offer(relabel(s.km.Edit, "edit article"), model.PermWriteArticle)}
		},
	})}
}

// relabel is b saying what it does here.
func relabel(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
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
// session's terminal: the version in force, or one version of it.
type articleBody struct {
	id      int64
	version int    // the version shown; 0 for the one in force
	style   string // glamour's: dark, light, or notty without colour
	profile termenv.Profile
	// As read: the version in force, and the newest version, which the
	// lifecycle steps act on (a draft or review waiting behind the
	// published text, or the same).
	inForce model.Article
	newest  model.ArticleVersion
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

// at is the body showing version v of article id.
func (b articleBody) at(id int64, v int) articleBody {
	b.id, b.version = id, v
	return b
}

// newestVersion reads an article's newest version: the one in force, or
// the draft or review saved after it.
func newestVersion(ctx context.Context, r model.Reader, ar model.Article) (model.ArticleVersion, error) {
	if ar.Latest == ar.Version {
		return model.ArticleVersion{Article: ar}, nil
	}
	return r.ArticleVersion(ctx, ar.ID, ar.Latest)
}

func (b articleBody) read(ctx context.Context, s *session, w int) (body, string, string, error) {
	ar, err := s.Reader.Article(ctx, b.id)
	if err != nil {
		return b, "", "", fmt.Errorf("KB-%d: %w", b.id, err)
	}
	b.inForce = ar
	if b.newest, err = newestVersion(ctx, s.Reader, ar); err != nil {
		return b, "", "", fmt.Errorf("KB-%d v%d: %w", b.id, ar.Latest, err)
	}
	shown := ar
	if b.version != 0 && b.version != ar.Version {
		v, err := s.Reader.ArticleVersion(ctx, b.id, b.version)
		if err != nil {
			return b, "", "", fmt.Errorf("KB-%d v%d: %w", b.id, b.version, err)
		}
		shown = v.Article
	}
	text, err := b.text(s, shown, w)
	if err != nil {
		return b, "", "", err
	}
	title := shown.Ref() + " · " + shown.Title
	if shown.Version != ar.Version {
		title = fmt.Sprintf("%s v%d · %s", shown.Ref(), shown.Version, shown.Title)
	}
	return b, title, text, nil
}

// text lays out the version shown: a line of what it is, a line saying
// where it stands against the others, and the rendered markdown.
func (b articleBody) text(s *session, shown model.Article, w int) (string, error) {
	body, err := renderMarkdown(shown.Body, w, b.style, b.profile)
	if err != nil {
		return "", fmt.Errorf("render KB-%d: %w", shown.ID, err)
	}
	parts := []string{string(shown.Kind), fmt.Sprintf("v%d %s", shown.Version, shown.State)}
	if shown.Service != "" {
		parts = append(parts, shown.Service)
	}
	parts = append(parts, "updated "+stamp(shown.UpdatedAt, s.loc())+" by "+shown.Author)
	if shown.Uses > 0 {
		parts = append(parts, "used on "+model.Plural(shown.Uses, "incident", "incidents"))
	}
	if shown.Helpful+shown.Unhelpful > 0 {
		parts = append(parts, fmt.Sprintf("helped %d, did not %d", shown.Helpful, shown.Unhelpful))
	}
	if len(shown.Tags) > 0 {
		parts = append(parts, "#"+strings.Join(shown.Tags, " #"))
	}
	var meta []string
	for _, l := range wrap(strings.Join(parts, " · "), max(w-2, 20)) {
		meta = append(meta, " "+s.st.Dim.Render(l))
	}
	var where string
	switch {
	case shown.Version != b.inForce.Version:
		where = fmt.Sprintf("not in force: %s is v%d %s", b.inForce.Ref(), b.inForce.Version, b.inForce.State)
	case b.newest.Version != shown.Version:
		where = fmt.Sprintf("v%d (%s, by %s) is newer and waits", b.newest.Version, b.newest.State, b.newest.Author)
	case shown.ReviewDue(s.Now()):
		where = "review due" + ownerNote(shown.Owner)
	}
	if where != "" {
		where += " · " + s.km.History.Help().Key + " history"
		for _, l := range wrap(where, max(w-2, 20)) {
			meta = append(meta, " "+s.st.Warn.Render(l))
		}
	}
	return strings.Join(meta, "\n") + "\n" + body, nil
}

func ownerNote(owner string) string {
	if owner == "" {
		return ""
	}
	return " (owner " + owner + ")"
}

func (b articleBody) key(m *Model, msg tea.KeyMsg) (tea.Cmd, bool) {
	km, s := m.s.km, m.s
	if b.inForce.ID == 0 {
		return nil, false // not read yet: nothing to act on
	}
	switch {
	case key.Matches(msg, km.State):
		return articleStepForm(s, b.inForce, b.newest), true
	case key.Matches(msg, km.Edit):
		return editArticle(s, b.id), true
	case key.Matches(msg, km.History):
		return openHistory(s, b.inForce), true
	case key.Matches(msg, km.Helpful, km.Unhelpful):
		return rateArticle(s, b.inForce, key.Matches(msg, km.Helpful)), true
	}
	return nil, false
}

// rateArticle records the operator's verdict on whether the article
// helped; a second verdict replaces the first. Verdicts rank equally
// relevant articles in searches and suggestions.
func rateArticle(s *session, ar model.Article, helpful bool) tea.Cmd {
	if cmd := s.refuse(model.PermReadArticle); cmd != nil {
		return cmd
	}
	if ar.State != model.ArticlePublished {
		return notice(fmt.Errorf("%s is %s: rate it once it is published", ar.Ref(), ar.State))
	}
	verdict := "did not help"
	if helpful {
		verdict = "helped"
	}
	return writeThen(s, func(ctx context.Context, a Actions) (model.Article, error) {
		return a.RateArticle(ctx, s.Actor, ar.ID, helpful)
	}, func(after model.Article) tea.Msg {
		return noticeMsg{text: fmt.Sprintf("%s: noted that it %s (%d helped, %d did not)", ar.Ref(), verdict, after.Helpful, after.Unhelpful)}
	})
}

func (b articleBody) actions(s *session) []key.Binding {
	km := s.km
	step := relabel(km.State, "next step")
	if allowed, _ := articleSteps(s, b.inForce, b.newest); len(allowed) == 0 {
		step = key.NewBinding(key.WithKeys(step.Keys()...), key.WithHelp(step.Help().Key, step.Help().Desc), key.WithDisabled())
	}
	return []key.Binding{step, s.offer(relabel(km.Edit, "edit"), model.PermWriteArticle), km.History,
		s.offer(relabel(km.Helpful, "helped"), model.PermReadArticle), s.offer(relabel(km.Unhelpful, "did not"), model.PermReadArticle)}
}

// opened records that the operator read the article, for the read-by list
// and the training matrix: once per version in force, on a console that
// can write. A version other than the one in force is not reading it.
func (b articleBody) opened(s *session) tea.Cmd {
	if b.version != 0 || s.Wall || !s.may(model.PermReadArticle) {
		return nil
	}
	acts, r, who, id := s.Actions, s.Reader, s.Actor, b.id
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
		defer cancel()
		ar, err := r.Article(ctx, id)
		if errors.Is(err, model.ErrNotFound) {
			return nil // the detail says so
		}
		if err != nil {
			return noticeMsg{err: fmt.Errorf("record reading KB-%d: %w", id, err)}
		}
		if ar.State != model.ArticlePublished {
			return nil // a draft is not yet something to have read
		}
		reads, err := r.ArticleReads(ctx, id)
		if err != nil {
			return noticeMsg{err: fmt.Errorf("record reading KB-%d: %w", id, err)}
		}
		for _, rd := range reads {
			if rd.Operator == who.Name && rd.Version == ar.Version {
				return nil
			}
		}
		if _, err := acts.ReadArticle(ctx, who, id); err != nil {
			return noticeMsg{err: fmt.Errorf("record reading KB-%d: %w", id, err)}
		}
		return nil
	}
}
