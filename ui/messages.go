package ui

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// messagesKept is how many of a session's notices :messages can show.
const messagesKept = 100

// noticeLog keeps a session's recent notices, so one that went by in the
// footer (or did not fit it) can be read in full with :messages. The
// messages detail reads it off the UI goroutine, hence the lock.
type noticeLog struct {
	mu   sync.Mutex
	list []loggedNotice // oldest first
}

type loggedNotice struct {
	at   time.Time
	text string
	err  bool
}

func (l *noticeLog) add(at time.Time, n noticeMsg) {
	e := loggedNotice{at: at, text: n.text}
	if n.err != nil {
		e.text, e.err = n.err.Error(), true
	}
	if e.text == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, e)
	if len(l.list) > messagesKept {
		l.list = slices.Delete(l.list, 0, len(l.list)-messagesKept)
	}
}

// newestFirst is a copy of the log, the latest notice first.
func (l *noticeLog) newestFirst() []loggedNotice {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.list)
	slices.Reverse(out)
	return out
}

// messagesBody is :messages, the session's notices in full, newest first.
type messagesBody struct{}

func (b messagesBody) read(_ context.Context, s *session, w int) (body, string, string, error) {
	st, list := s.st, s.notices.newestFirst()
	if len(list) == 0 {
		return b, "Messages", " " + st.Dim.Render("No messages yet: what an action did, or why it was refused, is kept here."), nil
	}
	var lines []string
	for _, n := range list {
		mark, style := "✓", st.Notice
		if n.err {
			mark, style = "✗", st.Error
		}
		head := " " + st.Dim.Render(n.at.In(s.loc()).Format("15:04:05")) + " " + style.Render(mark) + " "
		// Every line of the message, wrapped, under its time: nothing cut.
		indent := strings.Repeat(" ", width(head))
		first := true
		for _, para := range strings.Split(n.text, "\n") {
			for _, l := range wrap(para, max(w-width(head)-1, 20)) {
				if first {
					lines, first = append(lines, head+l), false
				} else {
					lines = append(lines, indent+l)
				}
			}
		}
	}
	return b, "Messages (newest first)", strings.Join(lines, "\n"), nil
}

func (messagesBody) key(*Model, tea.KeyMsg) (tea.Cmd, bool) { return nil, false }
func (messagesBody) actions(*session) []key.Binding         { return nil }
