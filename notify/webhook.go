package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hypercare-ops/hypercare/model"
)

// Body is the JSON a webhook message posts, by its channel: hypercare's
// own document, a Slack incoming-webhook message (Block Kit), or a Teams
// incoming-webhook message (an Adaptive Card, which Teams' Workflows and
// incoming webhooks both take).
func Body(n model.Notification) ([]byte, error) {
	var doc any
	switch n.Channel {
	case model.ChannelWebhook:
		doc = genericBody(n)
	case model.ChannelSlack:
		doc = slackBody(n)
	case model.ChannelTeams:
		doc = teamsBody(n)
	default:
		return nil, fmt.Errorf("channel %q has no webhook body", n.Channel)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the text is read by people: keep "<" and "&" as written
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("%s body: %w", n.Channel, err)
	}
	return b.Bytes(), nil
}

// generic is hypercare's own webhook document.
type generic struct {
	ID             string              `json:"id"`
	IdempotencyKey string              `json:"idempotency_key"`
	Event          model.EventKind     `json:"event"`
	Entity         string              `json:"entity,omitzero"`
	Subject        string              `json:"subject"`
	Text           string              `json:"text"`
	Fields         []model.NotifyField `json:"fields,omitzero"`
	CreatedAt      time.Time           `json:"created_at"`
}

func genericBody(n model.Notification) generic {
	return generic{ID: n.Ref(), IdempotencyKey: IdempotencyKey(n), Event: n.Event, Entity: n.Entity,
		Subject: n.Subject, Text: n.Text, Fields: n.Fields, CreatedAt: n.CreatedAt.UTC()}
}

// Slack's limits on a message's parts.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldsMax  = 10
	slackBlocksMax  = 50
)

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Fields   []slackText `json:"fields,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

// slackBody is the message in Block Kit: the subject as a header, the text
// in sections (long texts, the daily report, split at lines to fit), the
// fields side by side, and a footer naming the message. text is the
// plain fallback notifications show.
func slackBody(n model.Notification) any {
	blocks := []slackBlock{{Type: "header", Text: &slackText{"plain_text", cut(n.Subject, slackHeaderMax)}}}
	for _, chunk := range chunks(slackEscape(n.Text), slackSectionMax) {
		if len(blocks) == slackBlocksMax-2 {
			break
		}
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{"mrkdwn", chunk}})
	}
	if len(n.Fields) > 0 {
		var fields []slackText
		for _, f := range n.Fields[:min(len(n.Fields), slackFieldsMax)] {
			fields = append(fields, slackText{"mrkdwn", "*" + slackEscape(f.Name) + "*\n" + slackEscape(f.Value)})
		}
		blocks = append(blocks, slackBlock{Type: "section", Fields: fields})
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{"mrkdwn", footer(n)}}})
	return struct {
		Text   string       `json:"text"`
		Blocks []slackBlock `json:"blocks"`
	}{slackEscape(n.Subject), blocks}
}

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func footer(n model.Notification) string {
	f := "hypercare · " + n.Ref() + " · " + string(n.Event)
	if n.Entity != "" {
		f += " · " + n.Entity
	}
	return f
}

type teamsFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type teamsElement struct {
	Type   string      `json:"type"`
	Text   string      `json:"text,omitempty"`
	Weight string      `json:"weight,omitempty"`
	Size   string      `json:"size,omitempty"`
	Wrap   bool        `json:"wrap,omitempty"`
	Facts  []teamsFact `json:"facts,omitempty"`
}

// teamsBody is the message as an Adaptive Card in a message attachment.
func teamsBody(n model.Notification) any {
	body := []teamsElement{
		{Type: "TextBlock", Text: n.Subject, Weight: "Bolder", Size: "Medium", Wrap: true},
		// A TextBlock joins single line breaks; a blank line keeps them.
		{Type: "TextBlock", Text: strings.ReplaceAll(n.Text, "\n", "\n\n"), Wrap: true},
	}
	if len(n.Fields) > 0 {
		facts := make([]teamsFact, len(n.Fields))
		for i, f := range n.Fields {
			facts[i] = teamsFact{f.Name, f.Value}
		}
		body = append(body, teamsElement{Type: "FactSet", Facts: facts})
	}
	body = append(body, teamsElement{Type: "TextBlock", Text: footer(n), Size: "Small", Wrap: true})
	type card struct {
		Schema  string         `json:"$schema"`
		Type    string         `json:"type"`
		Version string         `json:"version"`
		Body    []teamsElement `json:"body"`
	}
	type attachment struct {
		ContentType string `json:"contentType"`
		ContentURL  any    `json:"contentUrl"`
		Content     card   `json:"content"`
	}
	return struct {
		Type        string       `json:"type"`
		Attachments []attachment `json:"attachments"`
	}{"message", []attachment{{ContentType: "application/vnd.microsoft.card.adaptive",
		Content: card{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4", Body: body}}}}
}

// cut shortens s to at most n characters, ending it with "…" when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// chunks splits text into pieces of at most n characters, at line ends
// where it can.
func chunks(text string, n int) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		for utf8.RuneCountInString(line) > n { // one line longer than a piece
			r := []rune(line)
			if cur.Len() > 0 {
				out, cur = append(out, cur.String()), strings.Builder{}
			}
			out, line = append(out, string(r[:n])), string(r[n:])
		}
		if utf8.RuneCountInString(cur.String())+utf8.RuneCountInString(line) > n {
			out, cur = append(out, cur.String()), strings.Builder{}
		}
		cur.WriteString(line)
	}
	if s := strings.TrimRight(cur.String(), "\n"); s != "" || len(out) == 0 {
		out = append(out, s)
	}
	return out
}

// post sends a webhook. 2xx is delivered; 408, 425, 429 and 5xx are worth
// another try, as are network errors; any other answer is permanent.
func (s Senders) post(ctx context.Context, url string, n model.Notification, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("webhook %s: %w", model.NotifyTargetShown(url), err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hypercare")
	req.Header.Set("Idempotency-Key", IdempotencyKey(n))
	client := s.HTTP
	if client == nil {
		client = &http.Client{Timeout: SendTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", model.NotifyTargetShown(url), err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("webhook %s answered %s: %s", model.NotifyTargetShown(url), resp.Status, strings.TrimSpace(model.Clean(string(answer), false)))
	switch code := resp.StatusCode; {
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests, code >= 500:
		return err
	}
	return Permanent(err)
}
