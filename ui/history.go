package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/hypercare-ops/hypercare/model"
)

// historyList is an article's versions, newest first, opened over its
// detail: enter shows a version, d on one and d on another shows the diff
// between them, and a version can be restored as a new draft.
type historyList struct {
	s    *session
	ar   model.Article // as in force when opened
	list *listPane[model.ArticleVersion]
	from int // the version marked to diff from; 0 for none
}

// openHistory opens the history of ar.
func openHistory(s *session, ar model.Article) tea.Cmd {
	h := &historyList{s: s, ar: ar}
	view := newArticleBody(s, ar.ID)
	r, id := s.Reader, ar.ID
	h.list = newListPane(s, listSpec[model.ArticleVersion]{
		name:        "History",
		placeholder: "author, state or note",
		empty:       "No versions.",
		id:          func(v model.ArticleVersion) int64 { return int64(v.Version) },
		fetch: func(ctx context.Context, q listQuery) ([]model.ArticleVersion, error) {
			all, err := r.ArticleVersions(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("KB-%d history: %w", id, err)
			}
			var out []model.ArticleVersion
			for _, v := range all {
				if q.filter == "" || strings.Contains(strings.ToLower(v.Author+" "+string(v.State)+" "+v.Note), strings.ToLower(q.filter)) {
					out = append(out, v)
				}
			}
			return out[min(q.offset, len(out)):min(q.offset+q.limit, len(out))], nil
		},
		header: func(w int) string {
			return fmt.Sprintf("  %-5s %-10s %-16s %-16s NOTE", "VER", "STATE", "AUTHOR", "SAVED")
		},
		row: func(v model.ArticleVersion, w int, paint func(lipgloss.Style, string) string) string {
			mark := "  "
			if v.Version == h.from {
				mark = "◆ "
			}
			note := v.Note
			if v.ReviewedBy != "" {
				note = strings.TrimPrefix(note+"; reviewed by "+v.ReviewedBy, "; ")
			}
			return mark + fit(fmt.Sprintf("v%d", v.Version), 4) + " " + paint(s.st.Label, fit(string(v.State), 10)) + " " +
				fit(v.Author, 16) + " " + fit(stamp(v.UpdatedAt, s.loc()), 16) + " " + paint(s.st.Dim, fit(note, max(w-53, 0)))
		},
		status: func(countsMsg, bool) string { return "" },
		open:   func(v model.ArticleVersion) tea.Cmd { return openDetail(view.at(id, v.Version)) },
		keys:   func(v model.ArticleVersion, msg tea.KeyMsg) (tea.Cmd, bool) { return h.versionKey(v, msg) },
		bindings: func() []key.Binding {
			diff := relabel(s.km.Diff, "mark to diff")
			if h.from != 0 {
				diff = relabel(s.km.Diff, fmt.Sprintf("diff with v%d", h.from))
			}
			return []key.Binding{diff, s.offer(s.km.Restore, model.PermWriteArticle)}
		},
	})
	return func() tea.Msg { return openLayerMsg{layer: h} }
}

// versionKey takes the keys that act on the selected version.
func (h *historyList) versionKey(v model.ArticleVersion, msg tea.KeyMsg) (tea.Cmd, bool) {
	s := h.s
	switch {
	case key.Matches(msg, s.km.Diff):
		switch h.from {
		case 0:
			h.from = v.Version
			return nil, true
		case v.Version:
			h.from = 0
			return nil, true
		}
		from, to := min(h.from, v.Version), max(h.from, v.Version)
		h.from = 0
		return openDetail(diffBody{id: h.ar.ID, from: from, to: to}), true
	case key.Matches(msg, s.km.Restore):
		if stop := s.refuse(model.PermWriteArticle); stop != nil {
			return stop, true
		}
		id, n := h.ar.ID, v.Version
		return askFirst(s, fmt.Sprintf("Restore %s v%d? It is saved as a new draft, to review and publish like any other.", h.ar.Ref(), n),
			writeThen(s, func(ctx context.Context, a Actions) (model.ArticleVersion, error) {
				return a.RestoreArticle(ctx, s.Actor, id, n)
			}, func(out model.ArticleVersion) tea.Msg {
				return noticeMsg{text: fmt.Sprintf("%s v%d restored as v%d (%s)", out.Ref(), n, out.Version, out.State)}
			})), true
	}
	return nil, false
}

func (h *historyList) setSize(w, hgt int)         { h.list.setSize(w, hgt) }
func (h *historyList) refresh() tea.Cmd           { return h.list.refresh() }
func (h *historyList) ensure() tea.Cmd            { return h.list.ensure() }
func (h *historyList) update(msg tea.Msg) tea.Cmd { return h.list.update(msg) }
func (h *historyList) typing() bool               { return h.list.filtering() }

func (h *historyList) key(_ *Model, msg tea.KeyMsg) (tea.Cmd, outcome) {
	if h.list.filtering() {
		cmd, _ := h.list.key(msg)
		return cmd, kept
	}
	if key.Matches(msg, h.s.km.Back) && h.from != 0 {
		h.from = 0
		return nil, kept
	}
	if cmd, handled := h.list.key(msg); handled {
		return cmd, kept
	}
	if key.Matches(msg, h.s.km.Back) {
		return nil, closed
	}
	return nil, passed
}

func (h *historyList) actions() []key.Binding {
	return append([]key.Binding{h.s.km.Back, relabel(h.s.km.Enter, "show version")}, h.list.actions()...)
}

func (h *historyList) view(_ *Model, w, hgt int) string {
	status := "enter shows · d d diffs · esc back"
	if h.from != 0 {
		status = fmt.Sprintf("◆ v%d: d on another diffs · esc", h.from)
	}
	return box(h.s.st, h.ar.Ref()+" history · "+h.ar.Title, status, h.list.view(true), w, hgt, true)
}

// diffBody is the unified diff between two versions of an article.
type diffBody struct {
	id       int64
	from, to int
}

func (b diffBody) read(ctx context.Context, s *session, _ int) (body, string, string, error) {
	a, err := s.Reader.ArticleVersion(ctx, b.id, b.from)
	if err != nil {
		return b, "", "", fmt.Errorf("KB-%d v%d: %w", b.id, b.from, err)
	}
	c, err := s.Reader.ArticleVersion(ctx, b.id, b.to)
	if err != nil {
		return b, "", "", fmt.Errorf("KB-%d v%d: %w", b.id, b.to, err)
	}
	title := fmt.Sprintf("KB-%d v%d → v%d", b.id, b.from, b.to)
	diff := model.DiffVersions(a, c)
	if diff == "" {
		return b, title, " " + s.st.Dim.Render(fmt.Sprintf("v%d and v%d say the same.", b.from, b.to)), nil
	}
	st := s.st
	lines := strings.Split(strings.TrimRight(diff, "\n"), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			lines[i] = st.Bold.Render(l)
		case strings.HasPrefix(l, "@@"):
			lines[i] = st.Label.Render(l)
		case strings.HasPrefix(l, "+"):
			lines[i] = st.Added.Render(l)
		case strings.HasPrefix(l, "-"):
			lines[i] = st.Removed.Render(l)
		}
	}
	return b, title, strings.Join(lines, "\n"), nil
}

func (diffBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (diffBody) actions(*session) []key.Binding         { return nil }
