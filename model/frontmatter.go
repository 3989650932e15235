package model

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// frontMatterKeys are the fields an article file may set.
var frontMatterKeys = []string{"title", "slug", "kind", "state", "service", "tags", "author"}

// articleStates lists the states an article file may declare.
var articleStates = []ArticleState{ArticleDraft, ArticleReview, ArticlePublished, ArticleRetired}

// ParseArticle reads a knowledge base article: Markdown that starts with a
// front matter block of "key: value" lines between two "---" lines.
//
//	---
//	title: Checkout returns 5xx
//	kind: runbook
//	service: checkout
//	tags: [checkout, 5xx]
//	---
//	# Checkout returns 5xx
//
// Keys are title, slug (default: the file name without .md), kind, state
// (default published, because files are written to be used), service, tags
// ([a, b] or a, b) and author. name is used for the default slug and in
// errors, which read "kb/x.md:3: kind: …" so an editor can jump to the line.
func ParseArticle(name string, data []byte) (Article, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	fail := func(line int, field, format string, args ...any) (Article, error) {
		prefix := fmt.Sprintf("%s:%d: ", name, line)
		if field != "" {
			prefix += field + ": "
		}
		return Article{}, errors.New(prefix + fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(lines[0]) != "---" {
		return fail(1, "", "no front matter; start the file with a --- line, then title: and kind:, then ---")
	}
	ar := Article{
		Slug:  strings.TrimSuffix(filepath.Base(name), ".md"),
		State: ArticlePublished,
	}
	seen := map[string]int{}
	end := 0
	for i := 1; i < len(lines) && end == 0; i++ {
		lineNo := i + 1
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "---":
			end = i
			continue
		case line == "", strings.HasPrefix(line, "#"):
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return fail(lineNo, "", "%q is not a key: value line", line)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if !slices.Contains(frontMatterKeys, key) {
			return fail(lineNo, key, "unknown field; use one of %s", strings.Join(frontMatterKeys, ", "))
		}
		if prev, dup := seen[key]; dup {
			return fail(lineNo, key, "set twice (first on line %d); keep one", prev)
		}
		seen[key] = lineNo
		value = strings.TrimSpace(value)
		var err error
		if key == "tags" {
			ar.Tags, err = parseTags(value)
		} else {
			value, err = unquote(value)
		}
		if err != nil {
			return fail(lineNo, key, "%v", err)
		}
		if value == "" {
			return fail(lineNo, key, "empty; give a value or remove the line")
		}
		switch key {
		case "title":
			ar.Title = value
		case "slug":
			if strings.ContainsAny(value, " \t/\\") {
				return fail(lineNo, key, "%q is not a slug; use letters, digits and dashes", value)
			}
			ar.Slug = value
		case "kind":
			ar.Kind = ArticleKind(strings.ToLower(value))
			if !slices.Contains(ArticleKinds, ar.Kind) {
				return fail(lineNo, key, "%q is not a kind; use one of %s", value, joinAny(ArticleKinds))
			}
		case "state":
			ar.State = ArticleState(strings.ToLower(value))
			if !slices.Contains(articleStates, ar.State) {
				return fail(lineNo, key, "%q is not a state; use one of %s", value, joinAny(articleStates))
			}
		case "service":
			ar.Service = value
		case "author":
			ar.Author = value
		}
	}
	switch {
	case end == 0:
		return fail(1, "", "front matter is not closed; add a --- line after the last field")
	case ar.Title == "":
		return fail(1, "title", "required")
	case ar.Kind == "":
		return fail(1, "kind", "required; use one of %s", joinAny(ArticleKinds))
	}
	ar.Body = strings.TrimSpace(strings.Join(lines[end+1:], "\n")) + "\n"
	if ar.Body == "\n" {
		return fail(end+1, "", "the article has no text after the front matter")
	}
	return ar, nil
}

// unquote reads a value the way YAML reads a scalar: bare, in single quotes
// (a doubled single quote stands for one), or in double quotes with
// backslash escapes. Quotes let a title hold a colon, a leading bracket or a
// quotation.
func unquote(s string) (string, error) {
	switch {
	case strings.HasPrefix(s, `"`):
		u, err := strconv.Unquote(s)
		if err != nil {
			return "", fmt.Errorf("%s is not a complete double-quoted value; close the quote and escape inner quotes as \\\"", s)
		}
		return u, nil
	case strings.HasPrefix(s, "'"):
		if len(s) < 2 || !strings.HasSuffix(s, "'") {
			return "", fmt.Errorf("%s is not a complete single-quoted value; close the quote", s)
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	}
	return s, nil
}

// parseTags accepts the YAML flow list "[a, b]" as well as a bare "a, b".
func parseTags(s string) ([]string, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "["), "]")
	var tags []string
	for t := range strings.SplitSeq(s, ",") {
		t, err := unquote(strings.TrimSpace(t))
		if err != nil {
			return nil, err
		}
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags, nil
}

func joinAny[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
