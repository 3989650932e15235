package kb

import (
	"bytes"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
	"go.yaml.in/yaml/v3"
)

// Write renders an article as a file Parse reads back to the same article:
// hypercare's fields in the order of Fields, then the keys it kept from
// the file it came from, then the Markdown. A field that is empty is left
// out; one service is written as "service:".
func Write(ar model.Article) ([]byte, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	}
	str := func(key, v string) {
		if v != "" {
			add(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
	}
	list := func(key string, vs []string) {
		if len(vs) == 0 {
			return
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range vs {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
		add(key, seq)
	}
	str("title", ar.Title)
	str("slug", ar.Slug)
	str("kind", string(ar.Kind))
	str("state", string(ar.State))
	if len(ar.Services) == 1 {
		str("service", ar.Services[0])
	} else {
		list("services", ar.Services)
	}
	list("tags", ar.Tags)
	str("owner", ar.Owner)
	if !ar.ValidUntil.IsZero() {
		add("valid_until", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: formatDate(ar.ValidUntil)})
	}
	if ar.ReviewEvery > 0 {
		str("review_every", FormatEvery(ar.ReviewEvery))
	}
	list("required_for", ar.RequiredFor)
	str("author", ar.Author)
	if ar.Extra != "" {
		var extra yaml.Node
		if err := yaml.Unmarshal([]byte(ar.Extra), &extra); err != nil {
			return nil, fmt.Errorf("%s: kept front matter: %w", ar.Slug, err)
		}
		if len(extra.Content) == 1 && extra.Content[0].Kind == yaml.MappingNode {
			m.Content = append(m.Content, extra.Content[0].Content...)
		}
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("%s: front matter: %w", ar.Slug, err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	b.WriteString("---\n")
	b.WriteString(ar.Body)
	if n := len(ar.Body); n == 0 || ar.Body[n-1] != '\n' {
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// formatDate writes a date alone when it is midnight UTC, as files write
// valid_until, and the whole time otherwise.
func formatDate(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}
