package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/hypercare-ops/hypercare/model"
)

// runbook is an article named for the record on screen: by the plan, for
// its service, or by an alert's runbook_url.
type runbook struct {
	name    string        // the slug or URL it was named by
	from    string        // who named it: "plan: checkout", "ALR-4"
	article model.Article // zero when the knowledge base has no such article
}

// runbooksFor finds the runbooks for a service and its alerts: each
// alert's runbook_url first, the most specific to what fired, then the
// plan's runbooks for the service; each article once.
func runbooksFor(ctx context.Context, s *session, service string, alerts []model.Alert) ([]runbook, error) {
	var out []runbook
	seen := map[string]bool{}
	add := func(rb runbook) {
		key := rb.name
		if rb.article.ID != 0 {
			key = rb.article.Ref()
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, rb)
		}
	}
	for _, a := range alerts {
		link := strings.TrimSpace(a.Annotations["runbook_url"])
		if link == "" || seen[link] {
			continue
		}
		ar, err := articleForURL(ctx, s, link)
		if err != nil {
			return nil, err
		}
		add(runbook{name: link, from: a.Ref(), article: ar})
		seen[link] = true
	}
	if p := s.plan(); p != nil {
		if sv, ok := p.Service(service); ok {
			for _, slug := range sv.Runbooks {
				ar, err := articleBySlug(ctx, s, slug)
				if err != nil {
					return nil, err
				}
				add(runbook{name: slug, from: "plan: " + service, article: ar})
			}
		}
	}
	return out, nil
}

// articleBySlug finds the article with a slug as it is in force; a
// retired one, or none, is the zero article: the section then names the
// slug as missing, for the team to write.
func articleBySlug(ctx context.Context, s *session, slug string) (model.Article, error) {
	ar, err := s.Reader.ArticleBySlug(ctx, slug)
	switch {
	case errors.Is(err, model.ErrNotFound):
		return model.Article{}, nil
	case err != nil:
		return model.Article{}, fmt.Errorf("runbook %s: %w", slug, err)
	case ar.State == model.ArticleRetired:
		return model.Article{}, nil
	}
	return ar, nil
}

// articleForURL finds the article a runbook_url points to: the one whose
// slug is the URL's last path element (a wiki page, a file in a runbook
// repository), else one whose text holds the URL.
func articleForURL(ctx context.Context, s *session, link string) (model.Article, error) {
	if u, err := url.Parse(link); err == nil && u.Path != "" {
		slug := strings.TrimSuffix(path.Base(u.Path), path.Ext(u.Path))
		if ar, err := articleBySlug(ctx, s, slug); err != nil || ar.ID != 0 {
			return ar, err
		}
	}
	hits, err := s.Reader.Articles(ctx, model.ArticleQuery{Search: link, Published: true, Limit: 5})
	if err != nil {
		return model.Article{}, fmt.Errorf("runbook %s: %w", link, err)
	}
	for _, h := range hits {
		if strings.Contains(h.Body, link) {
			return h.Article, nil
		}
	}
	return model.Article{}, nil
}

// suggestionsShown is how many articles an incident's detail suggests.
const suggestionsShown = 3

// suggestArticlesFor searches the published articles for an incident: its
// title, service, category and the names of its alerts, best match first,
// leaving out the articles already listed as its runbooks. Drafts are not
// suggested: what is put in front of someone mid-incident has been reviewed.
func suggestArticlesFor(ctx context.Context, s *session, in model.Incident, alerts []model.Alert, runbooks []runbook) ([]model.ArticleHit, error) {
	words := []string{in.Title, in.Service, in.Category}
	for _, a := range alerts {
		if !slices.Contains(words, a.Name) {
			words = append(words, a.Name)
		}
	}
	hits, err := s.Reader.Articles(ctx, model.ArticleQuery{Search: strings.Join(words, " "), Any: true, Published: true,
		Limit: suggestionsShown + len(runbooks)})
	if err != nil {
		return nil, fmt.Errorf("article suggestions: %w", err)
	}
	hits = slices.DeleteFunc(hits, func(h model.ArticleHit) bool {
		return slices.ContainsFunc(runbooks, func(rb runbook) bool { return rb.article.ID == h.ID })
	})
	return hits[:min(len(hits), suggestionsShown)], nil
}

// runbookLines lay out a record's runbooks; indent is the detail's for its
// headings. One the knowledge base lacks is listed by name, so the team
// sees what to write.
func runbookLines(s *session, rbs []runbook, indent string, w int) []string {
	if len(rbs) == 0 {
		return nil
	}
	st := s.st
	head := fmt.Sprintf("Runbooks (%d)", len(rbs))
	if _, ok := firstRunbook(rbs); ok {
		head += st.Dim.Render(" · " + s.km.OpenRunbook.Help().Key + " opens the first, tab picks another")
	}
	out := []string{"", indent + st.Bold.Render(head)}
	const refW, fromW = 6, 16
	for _, rb := range rbs {
		from := st.Dim.Render(fit(rb.from, fromW))
		if rb.article.ID == 0 {
			out = append(out, indent+" "+fit("—", refW)+" "+from+" "+st.Dim.Render(fit(rb.name+" is not in the knowledge base", max(w-refW-fromW-len(indent)-3, 10))))
			continue
		}
		out = append(out, indent+" "+fit(rb.article.Ref(), refW)+" "+from+" "+fit(rb.article.Title, max(w-refW-fromW-len(indent)-3, 10)))
	}
	return out
}

// suggestionLines lay out the articles suggested for an incident.
func suggestionLines(s *session, hits []model.ArticleHit, indent string, w int) []string {
	if len(hits) == 0 {
		return nil
	}
	const refW, kindW = 6, 11
	out := []string{"", indent + s.st.Bold.Render("Suggested articles")}
	for _, h := range hits {
		// How often it was used says why it is here beside its title.
		used := ""
		if h.Uses > 0 {
			used = fmt.Sprintf(" used %d×", h.Uses)
		}
		title := fit(h.Title, max(w-refW-kindW-len(indent)-3-len([]rune(used)), 10))
		out = append(out, indent+" "+fit(h.Ref(), refW)+" "+s.st.Label.Render(fit(string(h.Kind), kindW))+" "+title+s.st.Dim.Render(used))
	}
	return out
}

// firstRunbook is the first runbook the knowledge base has.
func firstRunbook(rbs []runbook) (model.Article, bool) {
	for _, rb := range rbs {
		if rb.article.ID != 0 {
			return rb.article, true
		}
	}
	return model.Article{}, false
}

// openRunbook opens the first runbook of a record, or says why there is
// none to open.
func openRunbook(s *session, ref string, rbs []runbook) tea.Cmd {
	if ar, ok := firstRunbook(rbs); ok {
		return openDetail(newArticleBody(s, ar.ID))
	}
	if len(rbs) == 0 {
		return notice(fmt.Errorf("%s has no runbook: neither the plan (runbooks of its service) nor its alerts (runbook_url) name one", ref))
	}
	return notice(fmt.Errorf("%s's runbooks (%s) are not in the knowledge base yet", ref, rbs[0].name))
}
