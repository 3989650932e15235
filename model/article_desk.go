package model

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ImportItem is one article to import, with where it came from for the
// version's note and the report.
type ImportItem struct {
	Source  string
	Article Article
}

// ImportOutcome says what an import did with one article.
type ImportOutcome string

// Import outcomes.
const (
	ImportCreated   ImportOutcome = "created"
	ImportUpdated   ImportOutcome = "updated" // a new version
	ImportUnchanged ImportOutcome = "unchanged"
	ImportRejected  ImportOutcome = "rejected"
)

// ImportResult is the outcome for one ImportItem: the version written (or
// the newest, when unchanged), or why it was rejected.
type ImportResult struct {
	Source  string
	Outcome ImportOutcome
	Version ArticleVersion
	Err     error
}

// importBatch is how many articles one import transaction writes: large
// enough that a 10k-article folder is a few commits, small enough that
// sessions reading meanwhile never wait long for the writer.
const importBatch = 500

// SaveArticle saves a new version of an article written in the console or
// an editor, found by ID, else by slug, else created. A save makes a draft,
// or asks for review when ar.State is review; publishing is a step of its
// own, taken by someone else (StepArticle). Saving what the newest version
// already says writes nothing and returns that version. The article
// returned is the version saved (Version its number), not necessarily the
// one in force.
func (s *Desk) SaveArticle(ctx context.Context, a Actor, ar Article) (Article, error) {
	if err := a.Check(PermWriteArticle); err != nil {
		return Article{}, err
	}
	switch ar.State {
	case "":
		ar.State = ArticleDraft
	case ArticleDraft, ArticleReview:
	default:
		return Article{}, fmt.Errorf("state %s: a save makes a draft or asks for review; publish and retire are steps (kb publish, kb retire)", ar.State)
	}
	ar.Author = a.Name
	var v ArticleVersion
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		v, _, err = s.putArticle(tx, a, ar, "", "article.save")
		return err
	})
	return v.Article, err
}

// ImportArticles writes articles read from files, matched by slug: a new
// slug is created, a changed article gets a new version, an unchanged one
// is left alone. Files declare their state, published included, and name
// their author (else the importer). An article that fails validation is
// rejected with the reason and the rest go on; a store error stops the
// import (batches already written stay).
func (s *Desk) ImportArticles(ctx context.Context, a Actor, items []ImportItem) ([]ImportResult, error) {
	if err := a.Check(PermImportArticles); err != nil {
		return nil, err
	}
	out := make([]ImportResult, 0, len(items))
	for batch := range slices.Chunk(items, importBatch) {
		var done []ImportResult
		err := s.store.Write(ctx, func(tx Tx) error {
			done = done[:0]
			for _, it := range batch {
				ar := it.Article
				if ar.State == "" {
					ar.State = ArticleDraft
				}
				if ar.Author == "" {
					ar.Author = a.Name
				}
				v, outcome, err := s.putArticle(tx, a, ar, "imported from "+it.Source, "article.import")
				var invalid invalidArticle
				switch {
				case errors.As(err, &invalid):
					done = append(done, ImportResult{Source: it.Source, Outcome: ImportRejected, Err: invalid.err})
					continue
				case err != nil:
					return fmt.Errorf("%s: %w", it.Source, err)
				}
				done = append(done, ImportResult{Source: it.Source, Outcome: outcome, Version: v})
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		out = append(out, done...)
	}
	return out, nil
}

// invalidArticle is an article refused before anything is written: an
// import reports it and goes on.
type invalidArticle struct{ err error }

func (e invalidArticle) Error() string { return e.err.Error() }

// putArticle is the one path of every article save: it checks the
// article, compares it with the newest version, writes the new version
// and, when it takes over, the article in force, and the audit, all in
// the caller's transaction. ar.State and ar.Author are already decided.
func (s *Desk) putArticle(tx Tx, a Actor, ar Article, note, action string) (ArticleVersion, ImportOutcome, error) {
	if err := CleanArticle(&ar); err != nil {
		return ArticleVersion{}, "", invalidArticle{err}
	}
	var before Article
	var err error
	if ar.ID != 0 {
		before, err = tx.ArticleByID(ar.ID)
	} else {
		before, err = tx.ArticleBySlug(ar.Slug)
	}
	isNew := errors.Is(err, ErrNotFound) && ar.ID == 0
	if err != nil && !isNew {
		return ArticleVersion{}, "", err
	}
	outcome := ImportCreated
	if !isNew {
		newest := ArticleVersion{Article: before}
		if before.Latest != before.Version {
			if newest, err = tx.ArticleVersion(before.ID, before.Latest); err != nil {
				return ArticleVersion{}, "", err
			}
		}
		if newest.SameContent(ar) && newest.State == ar.State {
			return newest, ImportUnchanged, nil
		}
		outcome = ImportUpdated
	}
	now := s.Now().UTC()
	v := ArticleVersion{Article: ar, Note: note}
	v.ID, v.Version, v.Latest, v.UpdatedAt = before.ID, before.Latest+1, before.Latest+1, now
	v.ReviewedAt, v.ReviewedBy, v.Helpful, v.Unhelpful = time.Time{}, "", before.Helpful, before.Unhelpful
	if v.State == ArticlePublished {
		v.ReviewedAt, v.ReviewedBy = now, a.Name
	}
	// The new version takes over unless a published one stays in force
	// while it is drafted and reviewed.
	takesOver := isNew || before.State != ArticlePublished || v.State == ArticlePublished || v.State == ArticleRetired
	if isNew {
		if err := tx.InsertArticle(&v.Article); err != nil {
			return ArticleVersion{}, "", err
		}
	}
	if err := tx.InsertArticleVersion(v); err != nil {
		return ArticleVersion{}, "", err
	}
	switch {
	case isNew:
	case takesOver:
		if err := s.supersede(tx, before, v.State); err != nil {
			return ArticleVersion{}, "", err
		}
		if err := tx.UpdateArticle(v.Article); err != nil {
			return ArticleVersion{}, "", err
		}
	default:
		inForce := before
		inForce.Latest = v.Version
		if err := tx.UpdateArticle(inForce); err != nil {
			return ArticleVersion{}, "", err
		}
	}
	var prior any
	if !isNew {
		prior = before
	}
	return v, outcome, s.audit(tx, a, action, fmt.Sprintf("%s v%d", v.Ref(), v.Version), prior, v)
}

// supersede marks the published version in force as outdated when a newer
// one is published, or retired with its article; other versions keep their
// state.
func (s *Desk) supersede(tx Tx, inForce Article, next ArticleState) error {
	if inForce.State != ArticlePublished {
		return nil
	}
	switch next {
	case ArticlePublished:
		return tx.SetArticleVersionState(inForce.ID, inForce.Version, ArticleOutdated, "", time.Time{})
	case ArticleRetired:
		return tx.SetArticleVersionState(inForce.ID, inForce.Version, ArticleRetired, "", time.Time{})
	}
	return nil
}

// StepArticle takes a lifecycle step (NextArticleState): submit, review,
// reject, publish or retire. Publishing makes the version the one in force
// and the one it replaces outdated; a review of a published article
// restarts its review clock. The step, its comment and the states go to
// the audit.
func (s *Desk) StepArticle(ctx context.Context, a Actor, id int64, act ArticleAction, comment string) (Article, error) {
	comment = Clean(comment, true)
	var after Article
	err := s.store.Write(ctx, func(tx Tx) error {
		ar, err := tx.ArticleByID(id)
		if err != nil {
			return fmt.Errorf("KB-%d: %w", id, err)
		}
		newest := ArticleVersion{Article: ar}
		if ar.Latest != ar.Version {
			if newest, err = tx.ArticleVersion(id, ar.Latest); err != nil {
				return err
			}
		}
		target := ArticleStepFor(ar, newest, act)
		next, err := NextArticleState(target.Article, act, a)
		if err != nil {
			return err
		}
		if act == RejectArticle && comment == "" {
			return fmt.Errorf("reason: say what to change (it goes to the author)")
		}
		now := s.Now().UTC()
		after = ar
		switch act {
		case ReviewArticle, PublishArticle:
			if err := tx.SetArticleVersionState(id, target.Version, next, a.Name, now); err != nil {
				return err
			}
			if act == PublishArticle {
				if err := s.supersede(tx, ar, next); err != nil {
					return err
				}
				after = target.Article
				after.Latest = ar.Latest
				after.Helpful, after.Unhelpful = ar.Helpful, ar.Unhelpful
			}
			if after.Version == target.Version {
				after.State, after.ReviewedAt, after.ReviewedBy = next, now, a.Name
			}
		case RetireArticle:
			for _, n := range slices.Compact([]int{ar.Version, newest.Version}) {
				if err := tx.SetArticleVersionState(id, n, ArticleRetired, "", time.Time{}); err != nil {
					return err
				}
			}
			after.State = ArticleRetired
		default: // submit, reject: the newest version's state
			if err := tx.SetArticleVersionState(id, target.Version, next, "", time.Time{}); err != nil {
				return err
			}
			if ar.Version == target.Version {
				after.State = next
			}
		}
		if err := tx.UpdateArticle(after); err != nil {
			return err
		}
		rec := map[string]any{"version": target.Version, "from": target.State, "to": next}
		if comment != "" {
			rec["comment"] = comment
		}
		return s.audit(tx, a, "article."+string(act), after.Ref(), nil, rec)
	})
	return after, err
}

// RestoreArticle saves a new version equal to an old one, as a draft to
// review and publish like any other.
func (s *Desk) RestoreArticle(ctx context.Context, a Actor, id int64, version int) (ArticleVersion, error) {
	if err := a.Check(PermWriteArticle); err != nil {
		return ArticleVersion{}, err
	}
	var v ArticleVersion
	err := s.store.Write(ctx, func(tx Tx) error {
		old, err := tx.ArticleVersion(id, version)
		if err != nil {
			return fmt.Errorf("KB-%d v%d: %w", id, version, err)
		}
		ar := old.Article
		ar.State, ar.Author = ArticleDraft, a.Name
		var outcome ImportOutcome
		v, outcome, err = s.putArticle(tx, a, ar, fmt.Sprintf("restored from v%d", version), "article.restore")
		if err == nil && outcome == ImportUnchanged {
			return fmt.Errorf("KB-%d: the newest version, v%d, already says what v%d says", id, v.Version, version)
		}
		return err
	})
	return v, err
}

// DiffArticle is the readable diff from version from to version to.
func (s *Desk) DiffArticle(ctx context.Context, id int64, from, to int) (string, error) {
	a, err := s.store.ArticleVersion(ctx, id, from)
	if err != nil {
		return "", fmt.Errorf("KB-%d v%d: %w", id, from, err)
	}
	b, err := s.store.ArticleVersion(ctx, id, to)
	if err != nil {
		return "", fmt.Errorf("KB-%d v%d: %w", id, to, err)
	}
	return DiffVersions(a, b), nil
}

// ReadArticle records that a reads the article's version in force, for
// the read-by list and the training matrix.
func (s *Desk) ReadArticle(ctx context.Context, a Actor, id int64) (ArticleRead, error) {
	if err := a.Check(PermReadArticle); err != nil {
		return ArticleRead{}, err
	}
	var r ArticleRead
	err := s.store.Write(ctx, func(tx Tx) error {
		ar, err := tx.ArticleByID(id)
		if err != nil {
			return fmt.Errorf("KB-%d: %w", id, err)
		}
		r = ArticleRead{Article: id, Version: ar.Version, Operator: a.Name, At: s.Now().UTC()}
		if err := tx.RecordArticleRead(r); err != nil {
			return err
		}
		return s.audit(tx, a, "article.read", fmt.Sprintf("%s v%d", ar.Ref(), ar.Version), nil, nil)
	})
	return r, err
}

// RateArticle records whether the article helped a; a later verdict
// replaces the earlier one.
func (s *Desk) RateArticle(ctx context.Context, a Actor, id int64, helpful bool) (Article, error) {
	if err := a.Check(PermReadArticle); err != nil {
		return Article{}, err
	}
	var ar Article
	err := s.store.Write(ctx, func(tx Tx) error {
		if err := tx.SetArticleFeedback(id, a.Name, helpful, s.Now().UTC()); err != nil {
			return fmt.Errorf("KB-%d: %w", id, err)
		}
		var err error
		if ar, err = tx.ArticleByID(id); err != nil {
			return err
		}
		return s.audit(tx, a, "article.rate", ar.Ref(), nil, map[string]bool{"helpful": helpful})
	})
	return ar, err
}

// ReviewsDue lists the published articles whose review is due now; with
// owner set, only that owner's.
func (s *Desk) ReviewsDue(ctx context.Context, owner string) ([]Article, error) {
	list, err := s.store.ArticlesDue(ctx, s.Now())
	if owner == "" || err != nil {
		return list, err
	}
	return slices.DeleteFunc(list, func(ar Article) bool { return ar.Owner != owner }), nil
}

// SyncRoster makes the stored roster the plan's operators, so the training
// matrix and its completion count the people who must read.
func (s *Desk) SyncRoster(ctx context.Context, a Actor, people []Person) error {
	if err := a.Check(PermEditCatalogue); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx Tx) error {
		if err := tx.ReplaceRoster(people); err != nil {
			return err
		}
		names := make([]string, len(people))
		for i, p := range people {
			names[i] = p.Name
		}
		return s.audit(tx, a, "roster.sync", "plan", nil, names)
	})
}

// Training reads the training matrix.
func (s *Desk) Training(ctx context.Context) (Training, error) {
	d, err := s.store.TrainingData(ctx)
	return d.Matrix(), err
}

// Unread lists what a must still read: required for their role, or the
// newest handover, and not read in its version in force.
func (s *Desk) Unread(ctx context.Context, a Actor) ([]Article, error) {
	d, err := s.store.TrainingData(ctx)
	return d.Unread(a.Name, a.Role), err
}

// publishKnownErrorArticle saves a problem's known error as a published
// version in one step: the lead who publishes it is its reviewer, the
// problem record (symptom, root cause, workaround) its reviewed source.
func (s *Desk) publishKnownErrorArticle(ctx context.Context, a Actor, ar Article) (Article, error) {
	ar.State, ar.Author = ArticlePublished, a.Name
	var v ArticleVersion
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		v, _, err = s.putArticle(tx, a, ar, "published from the problem's known error", "article.publish")
		return err
	})
	return v.Article, err
}
