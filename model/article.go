package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ArticleVersion is one saved version of an article: the article's fields
// as they were saved, with Version its number, UpdatedAt when and Author by
// whom, State the version's own (outdated once a newer one is published).
type ArticleVersion struct {
	Article
	Note string `json:"note,omitzero"` // "restored from v2", "imported from kb/x.md"
}

// ArticleAction is a step in an article's lifecycle.
type ArticleAction string

// Article steps: Draft → Review (submit) → Published (publish) → Retired;
// review confirms a version in review or a published one that still holds,
// reject sends one in review back to draft.
const (
	SubmitArticle  ArticleAction = "submit"
	ReviewArticle  ArticleAction = "review"
	RejectArticle  ArticleAction = "reject"
	PublishArticle ArticleAction = "publish"
	RetireArticle  ArticleAction = "retire"
)

// ArticleActions lists the steps, for help and menus.
var ArticleActions = []ArticleAction{SubmitArticle, ReviewArticle, RejectArticle, PublishArticle, RetireArticle}

// articleStep is one row of the lifecycle: who may take it, from which
// states, to which, and whether the version's author is kept out (a second
// pair of eyes).
type articleStep struct {
	perm      Perm
	from      []ArticleState
	to        ArticleState // "" keeps the state
	notAuthor bool
}

var articleFlow = map[ArticleAction]articleStep{
	SubmitArticle:  {PermWriteArticle, []ArticleState{ArticleDraft}, ArticleReview, false},
	ReviewArticle:  {PermReviewArticle, []ArticleState{ArticleReview, ArticlePublished}, "", true},
	RejectArticle:  {PermReviewArticle, []ArticleState{ArticleReview}, ArticleDraft, true},
	PublishArticle: {PermPublishArticle, []ArticleState{ArticleReview}, ArticlePublished, true},
	RetireArticle:  {PermRetireArticle, []ArticleState{ArticleDraft, ArticleReview, ArticlePublished}, ArticleRetired, false},
}

// ErrArticleFlow is a step an article's lifecycle does not allow.
type ErrArticleFlow struct {
	Ref    string
	State  ArticleState
	Action ArticleAction
	Why    string
}

func (e ErrArticleFlow) Error() string {
	return fmt.Sprintf("%s is %s: cannot %s (%s)", e.Ref, e.State, e.Action, e.Why)
}

// NextArticleState is the lifecycle as a pure function: the state version
// v goes to when actor a takes the step, or why not (role, state, or a's
// own version to review or publish).
func NextArticleState(v Article, act ArticleAction, a Actor) (ArticleState, error) {
	st, ok := articleFlow[act]
	if !ok {
		return v.State, fmt.Errorf("%q is not an article step; use %s", act, joinAny(ArticleActions))
	}
	if err := a.Check(st.perm); err != nil {
		return v.State, err
	}
	ref := fmt.Sprintf("%s v%d", v.Ref(), v.Version)
	if !slices.Contains(st.from, v.State) {
		return v.State, ErrArticleFlow{Ref: ref, State: v.State, Action: act, Why: "only from " + joinAny(st.from)}
	}
	if st.notAuthor && strings.EqualFold(v.Author, a.Name) {
		return v.State, ErrArticleFlow{Ref: ref, State: v.State, Action: act,
			Why: a.Name + " wrote this version; someone else reviews and publishes it"}
	}
	if st.to == "" {
		return v.State, nil
	}
	return st.to, nil
}

// ArticleStepFor says which version a step acts on: publish, submit and
// reject the newest; review the newest while it waits in review, else the
// one in force (a periodic review of the published text).
func ArticleStepFor(ar Article, newest ArticleVersion, act ArticleAction) ArticleVersion {
	if act == ReviewArticle && newest.State != ArticleReview {
		return ArticleVersion{Article: ar}
	}
	return newest
}

// CleanArticle trims and checks an article's fields before it is saved: a
// title, a slug that is safe in a file name, a known kind, role names in
// RequiredFor; Services without repeats, Service its first.
func CleanArticle(ar *Article) error {
	ar.Title = strings.TrimSpace(Clean(ar.Title, false))
	ar.Slug = strings.TrimSpace(Clean(ar.Slug, false))
	ar.Owner = strings.TrimSpace(Clean(ar.Owner, false))
	ar.Body = Clean(ar.Body, true)
	if len(ar.Services) == 0 && ar.Service != "" {
		ar.Services = []string{ar.Service}
	}
	ar.Services = cleanList(ar.Services)
	ar.Tags = cleanList(ar.Tags)
	ar.Service = ""
	if len(ar.Services) > 0 {
		ar.Service = ar.Services[0]
	}
	roles := ar.RequiredFor
	ar.RequiredFor = nil
	for _, r := range roles {
		role, err := ParseRole(strings.TrimSpace(r))
		if err != nil {
			return fmt.Errorf("required_for: %w", err)
		}
		if !slices.Contains(ar.RequiredFor, role.String()) {
			ar.RequiredFor = append(ar.RequiredFor, role.String())
		}
	}
	switch {
	case ar.Title == "":
		return fmt.Errorf("title: required")
	case ar.Slug == "":
		return fmt.Errorf("slug: required")
	case strings.ContainsAny(ar.Slug, " \t/\\") || strings.HasPrefix(ar.Slug, "."):
		return fmt.Errorf("slug %q: use letters, digits, dots, dashes and underscores", ar.Slug)
	case !slices.Contains(ArticleKinds, ar.Kind):
		return fmt.Errorf("kind %q: use one of %s", ar.Kind, joinAny(ArticleKinds))
	case ar.ReviewEvery < 0:
		return fmt.Errorf("review every: must be positive")
	case strings.TrimSpace(ar.Body) == "":
		return fmt.Errorf("body: an article needs text")
	}
	return nil
}

func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(Clean(s, false)); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// SameContent reports whether two versions say the same: every field a
// file carries but the state, the slug and who wrote it.
func (a Article) SameContent(b Article) bool {
	return a.Title == b.Title && a.Kind == b.Kind && slices.Equal(a.Services, b.Services) &&
		slices.Equal(a.Tags, b.Tags) && a.Owner == b.Owner && a.ValidUntil.Equal(b.ValidUntil) &&
		a.ReviewEvery == b.ReviewEvery && slices.Equal(a.RequiredFor, b.RequiredFor) &&
		a.Extra == b.Extra && a.Body == b.Body
}

// ReviewDue reports whether a published article's review is due at now:
// ReviewEvery has passed since its last review (or since it was saved, if
// never reviewed), or it is past ValidUntil. Its owner is told.
func (a Article) ReviewDue(now time.Time) bool {
	if a.State != ArticlePublished {
		return false
	}
	if !a.ValidUntil.IsZero() && !now.Before(a.ValidUntil) {
		return true
	}
	if a.ReviewEvery <= 0 {
		return false
	}
	last := a.ReviewedAt
	if last.IsZero() {
		last = a.UpdatedAt
	}
	return !now.Before(last.Add(a.ReviewEvery))
}

// Person is someone on the plan's roster, who may have reading to do.
type Person struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// ArticleRead records that an operator read a version of an article.
type ArticleRead struct {
	Article  int64     `json:"article"`
	Version  int       `json:"version"`
	Operator string    `json:"operator"`
	At       time.Time `json:"at"`
}

// RequiredOf reports whether someone in role must read the article: it is
// published and RequiredFor names the role, or it is the newest handover
// (every handover is required for everyone who works incidents, operator
// and up, until a newer one replaces it).
func (a Article) RequiredOf(role Role, newestHandover int64) bool {
	if a.State != ArticlePublished {
		return false
	}
	if a.ID == newestHandover && role >= RoleOperator {
		return true
	}
	return slices.Contains(a.RequiredFor, role.String())
}

// TrainingData is what the training matrix is built from: the roster, the
// published articles someone must read (RequiredFor set, or the newest
// handover), and the reads of them.
type TrainingData struct {
	Roster         []Person      `json:"roster"`
	Articles       []Article     `json:"articles"` // without bodies
	NewestHandover int64         `json:"newest_handover,omitzero"`
	Reads          []ArticleRead `json:"reads"`
}

// At is the training data as it stood at t, as far as reading goes: the
// reads made by then, against the articles required now.
func (d TrainingData) At(t time.Time) TrainingData {
	reads := make([]ArticleRead, 0, len(d.Reads))
	for _, r := range d.Reads {
		if !r.At.After(t) {
			reads = append(reads, r)
		}
	}
	d.Reads = reads
	return d
}

// TrainingCell is one operator against one article.
type TrainingCell struct {
	Required bool `json:"required"`
	// Read is the newest version the operator read, 0 for none; Current
	// says it is the article's version in force.
	Read    int  `json:"read,omitzero"`
	Current bool `json:"current"`
}

// TrainingRow is one operator's line of the matrix; Cells follow
// Training.Articles.
type TrainingRow struct {
	Person
	Cells []TrainingCell `json:"cells"`
	Done  Ratio          `json:"done"`
}

// Training is the matrix a lead reads: who has read which required
// article, at which version, and the completion over every required cell.
type Training struct {
	Articles   []Article     `json:"articles"`
	Rows       []TrainingRow `json:"rows"`
	Completion Ratio         `json:"completion"`
}

// Matrix builds the training matrix: a cell is done when its operator read
// the version in force; a read of an older version does not count.
func (d TrainingData) Matrix() Training {
	type reader struct {
		article  int64
		operator string
	}
	newest := map[reader]int{} // the newest version each operator read of each article
	for _, r := range d.Reads {
		k := reader{r.Article, r.Operator}
		newest[k] = max(newest[k], r.Version)
	}
	t := Training{Articles: d.Articles}
	for _, p := range d.Roster {
		row := TrainingRow{Person: p, Cells: make([]TrainingCell, len(d.Articles))}
		for i, ar := range d.Articles {
			c := TrainingCell{Required: ar.RequiredOf(p.Role, d.NewestHandover), Read: newest[reader{ar.ID, p.Name}]}
			c.Current = c.Read == ar.Version
			if c.Required {
				row.Done.Of++
				if c.Current {
					row.Done.N++
				}
			}
			row.Cells[i] = c
		}
		t.Completion.N += row.Done.N
		t.Completion.Of += row.Done.Of
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Unread lists the articles someone in role must read and has not read in
// their current version.
func (d TrainingData) Unread(operator string, role Role) []Article {
	var out []Article
	for _, ar := range d.Articles {
		if !ar.RequiredOf(role, d.NewestHandover) {
			continue
		}
		if !slices.ContainsFunc(d.Reads, func(r ArticleRead) bool {
			return r.Article == ar.ID && r.Operator == operator && r.Version == ar.Version
		}) {
			out = append(out, ar)
		}
	}
	return out
}

func joinAny[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
