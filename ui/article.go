package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/kb"
	"github.com/hypercare-ops/hypercare/model"
)

// Writing articles: Markdown with front matter, as kb import reads it,
// in the operator's $EDITOR or the built-in editor; every save is a new
// version, a draft or a request for review.

// articleTemplate is what a new article starts from: the front matter a
// team fills in, and the outline of a runbook.
func articleTemplate(owner string) string {
	return `---
title: 
kind: runbook        # ` + joinKinds() + `
state: draft         # or review, to ask for one
services: []
tags: []
owner: ` + owner + `
review_every: 90d
required_for: []     # roles who must read it: viewer, operator, lead, admin
---
## When

What the operator sees: the alert, the symptom.

## Do

1. The first thing to check.
`
}

func joinKinds() string {
	kinds := make([]string, len(model.ArticleKinds))
	for i, k := range model.ArticleKinds {
		kinds[i] = string(k)
	}
	return strings.Join(kinds, ", ")
}

// titleLine is the template's line the cursor starts on, after "title: ".
const titleLine = 1

// newArticle opens the template in the editor.
func newArticle(s *session) tea.Cmd {
	if stop := s.refuse(model.PermWriteArticle); stop != nil {
		return stop
	}
	view := newArticleBody(s, 0)
	return func() tea.Msg {
		return openEditorMsg{ed: articleEditor(s, view, model.Article{}, articleTemplate(s.Actor.Name), titleLine), external: s.Editor != ""}
	}
}

// editArticle opens the article's newest version in the editor.
func editArticle(s *session, id int64) tea.Cmd {
	if stop := s.refuse(model.PermWriteArticle); stop != nil {
		return stop
	}
	view, r := newArticleBody(s, id), s.Reader
	return query(func(ctx context.Context) (model.ArticleVersion, error) {
		ar, err := r.Article(ctx, id)
		if err != nil {
			return model.ArticleVersion{}, fmt.Errorf("KB-%d: %w", id, err)
		}
		return newestVersion(ctx, r, ar)
	}, func(v model.ArticleVersion, err error) tea.Msg {
		if err != nil {
			return noticeMsg{err: err}
		}
		return editVersion(s, view, v.Article)
	})
}

// editVersion opens version v of an article in the editor, as the file
// its next version is written from.
func editVersion(s *session, view articleBody, v model.Article) tea.Msg {
	// The text says what a save makes: a draft, or a review that stays
	// one; who wrote it is the one who saves.
	ar := v
	if ar.State != model.ArticleReview {
		ar.State = model.ArticleDraft
	}
	ar.Author = ""
	text, err := kb.Write(ar)
	if err != nil {
		return noticeMsg{err: err}
	}
	return openEditorMsg{ed: articleEditor(s, view, v, string(text), 0), external: s.Editor != ""}
}

// draftHandover drafts a handover from the live state, saved as a draft,
// and opens it in the editor for the operator to finish.
func draftHandover(s *session) tea.Cmd {
	if stop := s.refuse(model.PermWriteArticle); stop != nil {
		return stop
	}
	view := newArticleBody(s, 0)
	return writeThen(s, func(ctx context.Context, a Actions) (model.Article, error) {
		return a.DraftHandover(ctx, s.Actor)
	}, func(ar model.Article) tea.Msg {
		return editVersion(s, view, ar)
	})
}

// articleEditor is the editor for base's next version (base zero for a
// new article), starting from text with the cursor on line cursor.
func articleEditor(s *session, view articleBody, base model.Article, text string, cursor int) *textEditor {
	title := "New article"
	if base.ID != 0 {
		title = fmt.Sprintf("Edit %s (v%d %s; a save makes v%d)", base.Ref(), base.Version, base.State, base.Version+1)
	}
	e := newTextEditor(s, title, "article", text, "Markdown with front matter", 60, 10)
	e.fill, e.cursor = true, cursor
	e.saveOnReturn = true
	e.save = func(edited string) (tea.Cmd, error) {
		if edited == text {
			what := "the new article"
			if base.ID != 0 {
				what = base.Ref()
			}
			return func() tea.Msg { return noticeMsg{text: what + " unchanged: nothing saved"} }, nil
		}
		ar, err := parseArticle(base, edited)
		if err != nil {
			return nil, err
		}
		return saveArticle(s, view, base, ar), nil
	}
	return e
}

// parseArticle reads the editor's text as kb import reads a file: named
// after the article's slug, so one without a slug line keeps it; a new
// article without one takes its slug from its title.
func parseArticle(base model.Article, text string) (model.Article, error) {
	name := "new-article.md"
	if base.ID != 0 {
		name = base.Slug + ".md"
	}
	ar, err := kb.Parse(name, []byte(text))
	if err != nil {
		return ar, err
	}
	if base.ID == 0 {
		titled := strings.NewReplacer("/", " ", "\\", " ").Replace(ar.Title) + ".md"
		if ar, err = kb.Parse(titled, []byte(text)); err != nil {
			return ar, err
		}
	}
	switch ar.State {
	case model.ArticleDraft, model.ArticleReview:
	default:
		// A file without a state is published, as kb import reads it; a
		// save here is never that.
		line := frontMatterLine(text, "state")
		if line == 0 {
			return ar, fmt.Errorf("%s: state: a save makes a draft or asks for review; add state: draft (or review)", name)
		}
		return ar, fmt.Errorf("%s:%d: state: %s is a step of its own, not a save; write draft, or review to ask for one (then x in the article)",
			name, line, ar.State)
	}
	ar.ID = base.ID
	return ar, nil
}

// frontMatterLine is the line (from 1) of key in the text's front matter,
// 0 when it has none.
func frontMatterLine(text, key string) int {
	lines := strings.Split(text, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return 0
	}
	for i, l := range lines[1:] {
		if strings.TrimSpace(l) == "---" {
			break
		}
		if k, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, key) {
			return i + 2
		}
	}
	return 0
}

// saveArticle saves ar as base's next version (a new article when base
// is zero) and opens the version saved.
func saveArticle(s *session, view articleBody, base, ar model.Article) tea.Cmd {
	r := s.Reader
	return writeThen(s, func(ctx context.Context, a Actions) (model.Article, error) {
		if base.ID == 0 {
			// Saving by slug would make this a new version of another
			// article that has it.
			switch other, err := r.ArticleBySlug(ctx, ar.Slug); {
			case err == nil:
				return model.Article{}, fmt.Errorf("slug %q is %s's (%s): give this article its own with a slug: line", ar.Slug, other.Ref(), other.Title)
			case !errors.Is(err, model.ErrNotFound):
				return model.Article{}, err
			}
		}
		return a.SaveArticle(ctx, s.Actor, ar)
	}, func(saved model.Article) tea.Msg {
		text := fmt.Sprintf("%s v%d saved as %s", saved.Ref(), saved.Version, saved.State)
		if base.ID != 0 && saved.Version == base.Version {
			text = saved.Ref() + ": no change to save"
		}
		return gathered{noticeMsg{text: text}, openDetailMsg{body: view.at(saved.ID, saved.Version)}}
	})
}

// articleSteps are the lifecycle steps from where the article stands:
// those this operator may take, and why the others the state allows are
// not theirs (their role, or their own version to review or publish).
func articleSteps(s *session, ar model.Article, newest model.ArticleVersion) (allowed []model.ArticleAction, refused []error) {
	if ar.ID == 0 || s.Actions == nil {
		return nil, nil
	}
	anyone := model.Actor{Role: model.RoleAdmin} // the state alone decides
	for _, act := range model.ArticleActions {
		target := model.ArticleStepFor(ar, newest, act).Article
		if _, err := model.NextArticleState(target, act, anyone); err != nil {
			continue
		}
		if _, err := model.NextArticleState(target, act, s.Actor); err != nil {
			refused = append(refused, err)
			continue
		}
		allowed = append(allowed, act)
	}
	return allowed, refused
}

// whyNoStep says why the operator has no step to take: publishing
// refused first, what a version waiting in review is for; else the first
// refusal, or that no step is left.
func whyNoStep(ar model.Article, refused []error) error {
	for _, err := range refused {
		var flow model.ErrArticleFlow
		var forbidden model.ErrForbidden
		if errors.As(err, &flow) && flow.Action == model.PublishArticle ||
			errors.As(err, &forbidden) && forbidden.Action == "publish articles" {
			return err
		}
	}
	if len(refused) > 0 {
		return refused[0]
	}
	return fmt.Errorf("%s is %s: no step is left", ar.Ref(), ar.State)
}

// articleStepForm offers the steps this operator may take on the article,
// with a comment (the reason, to reject); the steps the state allows but
// they may not take are named with why.
func articleStepForm(s *session, ar model.Article, newest model.ArticleVersion) tea.Cmd {
	if s.Actions == nil {
		return s.readOnly()
	}
	allowed, refused := articleSteps(s, ar, newest)
	if len(allowed) == 0 {
		return notice(whyNoStep(ar, refused))
	}
	steps := make([]string, len(allowed))
	for i, act := range allowed {
		steps[i] = string(act)
	}
	// No step is chosen for the operator: enter on a form opened by
	// mistake must not publish or retire the article.
	f := newForm(s, ar.Ref()+": next step").
		field("step", "", "←/→ chooses: "+strings.Join(steps, ", "), steps...).
		field("comment", "", "why (needed to reject: it goes to the author)")
	f.preview = func(v []string) string {
		if v[0] == "" {
			lines := []string{s.st.Dim.Render("choose the next step with ←/→")}
			for _, r := range refused {
				lines = append(lines, s.st.Warn.Render("✗ "+r.Error()))
			}
			return strings.Join(lines, "\n")
		}
		act := model.ArticleAction(v[0])
		target := model.ArticleStepFor(ar, newest, act)
		next, err := model.NextArticleState(target.Article, act, s.Actor)
		lines := []string{s.st.Dim.Render(fmt.Sprintf("v%d %s → %s", target.Version, target.State, next))}
		if err != nil {
			lines[0] = s.st.Error.Render(err.Error())
		}
		for _, r := range refused {
			lines = append(lines, s.st.Warn.Render("✗ "+r.Error()))
		}
		return strings.Join(lines, "\n")
	}
	f.submit = func(v []string) (tea.Cmd, int, error) {
		if err := chosen("step", v[0], "the next step", steps); err != nil {
			return nil, 0, err
		}
		act := model.ArticleAction(v[0])
		if act == model.RejectArticle && v[1] == "" {
			return nil, 1, fmt.Errorf("comment: say what to change (it goes to the author)")
		}
		return writeThen(s, func(ctx context.Context, a Actions) (model.Article, error) {
			return a.StepArticle(ctx, s.Actor, ar.ID, act, v[1])
		}, func(out model.Article) tea.Msg {
			return noticeMsg{text: fmt.Sprintf("%s: %s; v%d in force, %s", out.Ref(), act, out.Version, out.State)}
		}), 0, nil
	}
	return func() tea.Msg { return openFormMsg{form: f} }
}
