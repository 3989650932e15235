package model

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// SaveArticle creates or updates (by slug) a knowledge base article.
func (s *Desk) SaveArticle(ctx context.Context, a Actor, ar Article) (Article, error) {
	if err := a.Check(PermWriteArticle); err != nil {
		return Article{}, err
	}
	ar.Title = strings.TrimSpace(Clean(ar.Title, false))
	ar.Slug = strings.TrimSpace(Clean(ar.Slug, false))
	ar.Body = Clean(ar.Body, true)
	for i, t := range ar.Tags {
		ar.Tags[i] = Clean(t, false)
	}
	switch {
	case ar.Title == "":
		return Article{}, fmt.Errorf("title: required")
	case ar.Slug == "":
		return Article{}, fmt.Errorf("slug: required")
	case !slices.Contains(ArticleKinds, ar.Kind):
		return Article{}, fmt.Errorf("kind %q: use one of %v", ar.Kind, ArticleKinds)
	}
	if ar.State == "" {
		ar.State = ArticleDraft
	}
	if ar.Author == "" {
		ar.Author = a.Name
	}
	ar.UpdatedAt = s.Now().UTC()
	err := s.store.Write(ctx, func(tx Tx) error {
		if err := tx.UpsertArticle(&ar); err != nil {
			return err
		}
		return s.audit(tx, a, "article.save", ar.Ref(), nil, ar)
	})
	return ar, err
}
