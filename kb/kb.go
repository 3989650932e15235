// Package kb reads and writes knowledge base articles as files: Markdown
// with a YAML front matter block, the way Hugo, Jekyll, MkDocs and Obsidian
// write them, so a team's runbook folder imports without rewriting and an
// export can be kept in git and imported again unchanged.
//
//	---
//	title: Checkout returns 5xx
//	kind: runbook
//	services: [checkout, payments]
//	tags:
//	  - checkout
//	  - HighErrorRate
//	owner: alice
//	valid_until: 2026-06-30
//	review_every: 90d
//	required_for: [operator]
//	weight: 10            # not hypercare's: kept, and written back on export
//	---
//	# Checkout returns 5xx
//
// It is the only package that imports the YAML library; model stays free of it.
package kb

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"go.yaml.in/yaml/v3"
)

// Fields are the front matter keys hypercare reads, in the order Write
// puts them. "service" (one) is read as well as "services", and "author"
// names who wrote the version an import creates.
var Fields = []string{"title", "slug", "kind", "state", "services", "tags", "owner", "valid_until",
	"review_every", "required_for", "author"}

// fileStates are the states a file may declare; outdated belongs to
// versions, never to a file.
var fileStates = []model.ArticleState{model.ArticleDraft, model.ArticleReview, model.ArticlePublished, model.ArticleRetired}

// Error is a problem in an article file, compiler style: it names the file,
// the line and the field, and says what to do.
type Error struct {
	File  string
	Line  int
	Field string // empty when the problem is not one field's
	Msg   string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s:%d: ", e.File, e.Line)
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Msg
}

// parsedFile is an article read from a file, with the line its slug comes
// from, so a folder can say where a duplicate was first seen.
type parsedFile struct {
	Article  model.Article
	SlugLine int
}

// Parse reads one article file. name is the file's path: errors start with
// it, and the slug defaults to its base name without the extension. Title
// defaults to the first "# " heading, kind to how-to and state to
// published (files are written to be used). Keys hypercare does not read
// are kept in Article.Extra.
func Parse(name string, data []byte) (model.Article, error) {
	p, err := parse(name, data)
	return p.Article, err
}

func parse(name string, data []byte) (parsedFile, error) {
	text := strings.ReplaceAll(string(bytes.TrimPrefix(data, []byte("\uFEFF"))), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	fail := func(line int, field, format string, args ...any) (parsedFile, error) {
		return parsedFile{}, &Error{File: name, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	ar := model.Article{Slug: slugFromName(name), State: model.ArticlePublished, Kind: model.ArticleHowTo}
	out := parsedFile{SlugLine: 1}
	bodyStart := 0
	if strings.TrimSpace(lines[0]) == "---" {
		end := slices.IndexFunc(lines[1:], func(l string) bool {
			l = strings.TrimRight(l, " \t")
			return l == "---" || l == "..."
		})
		if end < 0 {
			return fail(1, "", "front matter is not closed; add a --- line after the last field")
		}
		bodyStart = end + 2
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(strings.Join(lines[1:end+1], "\n")), &doc); err != nil {
			line, msg := yamlError(err)
			return fail(line+1, "", "%s; front matter is YAML: quote values that hold a colon, indent lists evenly", msg)
		}
		if err := readFields(name, &doc, &ar, &out.SlugLine); err != nil {
			return parsedFile{}, err
		}
	}
	body := strings.TrimSpace(strings.Join(lines[bodyStart:], "\n"))
	if body == "" {
		return fail(max(bodyStart, 1), "", "the article has no text after the front matter")
	}
	ar.Body = body + "\n"
	if ar.Title == "" {
		ar.Title = firstHeading(ar.Body)
	}
	if ar.Title == "" {
		return fail(1, "title", "required; give title: in the front matter or start the text with a # heading")
	}
	out.Article = ar
	return out, nil
}

// readFields reads the front matter mapping into ar.
func readFields(name string, doc *yaml.Node, ar *model.Article, slugLine *int) error {
	if len(doc.Content) == 0 {
		return nil // an empty front matter block
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return &Error{File: name, Line: root.Line + 1, Msg: "front matter is not a list of key: value lines"}
	}
	extra := &yaml.Node{Kind: yaml.MappingNode}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		line := k.Line + 1
		key := strings.ToLower(k.Value)
		fail := func(format string, args ...any) error {
			return &Error{File: name, Line: line, Field: key, Msg: fmt.Sprintf(format, args...)}
		}
		canon := key
		if key == "service" {
			canon = "services"
		}
		if !slices.Contains(Fields, canon) {
			extra.Content = append(extra.Content, k, v)
			continue
		}
		if prev, dup := seen[canon]; dup {
			return fail("set twice (first on line %d); keep one", prev)
		}
		seen[canon] = line
		if err := readField(ar, key, v); err != nil {
			return fail("%v", err)
		}
		if key == "slug" {
			*slugLine = line
		}
	}
	if len(extra.Content) > 0 {
		var b strings.Builder
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(extra); err != nil {
			return &Error{File: name, Line: extra.Content[0].Line + 1, Field: extra.Content[0].Value, Msg: err.Error()}
		}
		ar.Extra = b.String()
	}
	return nil
}

// readField reads one known key's value into ar.
func readField(ar *model.Article, key string, v *yaml.Node) error {
	if v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	switch key {
	case "services", "service":
		list, err := stringList(v)
		ar.Services = list
		return err
	case "tags":
		list, err := stringList(v)
		ar.Tags = list
		return err
	case "required_for":
		list, err := stringList(v)
		if err != nil {
			return err
		}
		for i, r := range list {
			role, err := model.ParseRole(r)
			if err != nil {
				return err
			}
			list[i] = role.String()
		}
		ar.RequiredFor = list
		return nil
	}
	s, err := scalar(v)
	if err != nil {
		return err
	}
	if s == "" {
		return errors.New("empty; give a value or remove the line")
	}
	switch key {
	case "title":
		ar.Title = strings.Join(strings.Fields(s), " ") // a folded or literal title is one line
	case "slug":
		if !validSlug(s) {
			return fmt.Errorf("%q is not a slug; use letters, digits, dots, dashes and underscores", s)
		}
		ar.Slug = s
	case "kind":
		ar.Kind = model.ArticleKind(strings.ToLower(s))
		if !slices.Contains(model.ArticleKinds, ar.Kind) {
			return fmt.Errorf("%q is not a kind; use one of %s", s, joinAny(model.ArticleKinds))
		}
	case "state":
		ar.State = model.ArticleState(strings.ToLower(s))
		if !slices.Contains(fileStates, ar.State) {
			return fmt.Errorf("%q is not a state; use one of %s", s, joinAny(fileStates))
		}
	case "owner":
		ar.Owner = s
	case "author":
		ar.Author = s
	case "valid_until":
		t, err := parseDate(s)
		if err != nil {
			return err
		}
		ar.ValidUntil = t
	case "review_every":
		d, err := ParseEvery(s)
		if err != nil {
			return err
		}
		ar.ReviewEvery = d
	}
	return nil
}

// scalar is a single value; lists and maps are refused with what to write.
func scalar(v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", errors.New("give one value, not a list or a map")
	}
	if v.Tag == "!!null" {
		return "", nil
	}
	return strings.TrimSpace(v.Value), nil
}

// stringList reads a block list, a flow list ([a, b]), one value, or the
// old comma-separated form (a, b); empty items and repeats are dropped.
func stringList(v *yaml.Node) ([]string, error) {
	var items []string
	switch v.Kind {
	case yaml.SequenceNode:
		for _, it := range v.Content {
			s, err := scalar(it)
			if err != nil {
				return nil, fmt.Errorf("line %d: a list item is one value, not a list or a map", it.Line+1)
			}
			items = append(items, s)
		}
	case yaml.ScalarNode:
		if v.Tag != "!!null" {
			items = strings.Split(v.Value, ",")
		}
	default:
		return nil, errors.New("give a list ([a, b] or one \"- item\" a line), not a map")
	}
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// dateLayouts are the ways front matter writes a date: YAML timestamps,
// plain dates, and what Hugo and Jekyll put in "date:".
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

func parseDate(s string) (time.Time, error) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date; write 2026-06-30 or 2026-06-30T18:00:00Z", s)
}

// ParseEvery reads a review interval: whole days ("90d"), weeks ("12w")
// or a Go duration ("36h").
func ParseEvery(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not an interval; write 90d, 12w or 36h", s)
	s = strings.TrimSpace(strings.ToLower(s))
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if u, ok := unit[s[len(s)-1]]; ok && len(s) > 1 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n <= 0 {
			return 0, bad
		}
		return time.Duration(n) * u, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// FormatEvery writes an interval the way ParseEvery reads it.
func FormatEvery(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d%(7*day) == 0:
		return fmt.Sprintf("%dw", d/(7*day))
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlError splits the YAML library's "yaml: line 3: …" into the line (of
// the front matter) and the message.
func yamlError(err error) (int, string) {
	m := yamlLine.FindStringSubmatch(strings.SplitN(err.Error(), "\n", 2)[0])
	if m == nil {
		return 1, err.Error()
	}
	line, _ := strconv.Atoi(m[1])
	return max(line, 1), m[2]
}

// validSlug allows what is safe in a file name and a URL.
func validSlug(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return s != "" && s[0] != '.'
}

// slugFromName is the file's base name without its extension, lower case,
// with anything a slug may not hold (an Obsidian note's spaces) as dashes.
func slugFromName(name string) string {
	base := strings.ToLower(strings.TrimSuffix(path.Base(name), path.Ext(name)))
	var b strings.Builder
	dash := false
	for _, r := range base {
		if validSlug(string(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-.")
}

func firstHeading(body string) string {
	for l := range strings.SplitSeq(body, "\n") {
		if t, ok := strings.CutPrefix(l, "# "); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

func joinAny[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
