package model

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseArticle(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		want Article
	}{
		{
			name: "all fields, flow list",
			file: "kb/checkout-5xx.md",
			data: "---\ntitle: Checkout returns 5xx\nslug: checkout-5xx-v2\nkind: runbook\nstate: review\nservice: checkout\ntags: [checkout, 5xx, \"psp\"]\nauthor: Ana Ruiz\n---\n\n# Checkout\n\nSteps.\n",
			want: Article{Slug: "checkout-5xx-v2", Title: "Checkout returns 5xx", Kind: ArticleRunbook, State: ArticleReview,
				Service: "checkout", Tags: []string{"checkout", "5xx", "psp"}, Author: "Ana Ruiz", Body: "# Checkout\n\nSteps.\n"},
		},
		{
			name: "defaults: slug from file name, published",
			file: "kb/faq-priority.md",
			data: "---\ntitle: How priority is set\nkind: faq\n---\nImpact × urgency.",
			want: Article{Slug: "faq-priority", Title: "How priority is set", Kind: ArticleFAQ, State: ArticlePublished, Body: "Impact × urgency.\n"},
		},
		{
			name: "CRLF, BOM, comments, quoted colon, comma tags with duplicates",
			file: "handover.md",
			data: "\uFEFF---\r\n# written by the night shift\r\ntitle: \"Handover: week 1\"\r\nkind: Handover\r\n\r\ntags: handover, week-1, handover\r\n---\r\nBody line\r\n",
			want: Article{Slug: "handover", Title: "Handover: week 1", Kind: ArticleHandover, State: ArticlePublished,
				Tags: []string{"handover", "week-1"}, Body: "Body line\n"},
		},
		{
			name: "double quotes with escapes, single quotes with ''",
			file: "faq-pending.md",
			data: "---\ntitle: \"FAQ: order stuck in \\\"payment pending\\\"\"\nkind: faq\nauthor: 'Tom O''Kafor'\ntags: ['it''s', \"a b\"]\n---\nx\n",
			want: Article{Slug: "faq-pending", Title: `FAQ: order stuck in "payment pending"`, Kind: ArticleFAQ, State: ArticlePublished,
				Author: "Tom O'Kafor", Tags: []string{"it's", "a b"}, Body: "x\n"},
		},
		{
			name: "a --- later in the body is text; a % in the file name",
			file: "kb/100%.md",
			data: "---\ntitle: T\nkind: how-to\n---\nabove\n\n---\n\nbelow\n",
			want: Article{Slug: "100%", Title: "T", Kind: ArticleHowTo, State: ArticlePublished, Body: "above\n\n---\n\nbelow\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseArticle(tt.file, []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseArticleErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string // the error starts with this
	}{
		{"no front matter", "# Title\n", `kb/x.md:1: no front matter`},
		{"not closed", "---\ntitle: T\nkind: faq\n", `kb/x.md:1: front matter is not closed`},
		{"bad kind", "---\ntitle: T\nkind: guide\n---\nx\n", `kb/x.md:3: kind: "guide" is not a kind; use one of how-to, runbook, known-error, recovery, faq, handover`},
		{"bad state", "---\ntitle: T\nkind: faq\nstate: live\n---\nx\n", `kb/x.md:4: state: "live" is not a state; use one of draft, review, published, retired`},
		{"unknown field", "---\ntitle: T\nowner: web\n---\nx\n", `kb/x.md:3: owner: unknown field`},
		{"duplicate field", "---\ntitle: T\nkind: faq\ntitle: U\n---\nx\n", `kb/x.md:4: title: set twice (first on line 2)`},
		{"empty value", "---\ntitle:\nkind: faq\n---\nx\n", `kb/x.md:2: title: empty`},
		{"empty quotes", "---\ntitle: \"\"\nkind: faq\n---\nx\n", `kb/x.md:2: title: empty`},
		{"unclosed double quote", "---\ntitle: \"Half\nkind: faq\n---\nx\n", `kb/x.md:2: title: "Half is not a complete double-quoted value`},
		{"unclosed single quote in tags", "---\ntitle: T\nkind: faq\ntags: [a, 'b]\n---\nx\n", `kb/x.md:4: tags: 'b is not a complete single-quoted value`},
		{"not key value", "---\ntitle: T\njust words\n---\nx\n", `kb/x.md:3: "just words" is not a key: value line`},
		{"bad slug", "---\ntitle: T\nkind: faq\nslug: a b\n---\nx\n", `kb/x.md:4: slug: "a b" is not a slug`},
		{"missing title", "---\nkind: faq\n---\nx\n", `kb/x.md:1: title: required`},
		{"missing kind", "---\ntitle: T\n---\nx\n", `kb/x.md:1: kind: required`},
		{"empty body", "---\ntitle: T\nkind: faq\n---\n\n  \n", `kb/x.md:4: the article has no text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArticle("kb/x.md", []byte(tt.data))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant prefix %s", err, tt.want)
			}
		})
	}
}
