package consoletest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/ui"
	"github.com/hypercare-ops/hypercare/ui/uitest"
)

// Writes that are hard to undo ask "…? y/n" first: n and esc leave the
// record as it was (and other keys, enter among them, do nothing while
// asked); y makes the write. At the smallest terminal and at the wall's.
func TestConfirmations(t *testing.T) {
	tests := []struct {
		name     string
		open     []string // keys that select the record
		shown    string   // what shows once it is selected (a detail loads after its key)
		act      []string // keys that ask
		question string
		done     string // the notice after y
		changed  func(s *stack) bool
	}{
		{
			name: "escalate", act: []string{"e"},
			question: "Escalate INC-3 to L2 (Priya Shah)? y/n",
			done:     "INC-3 escalated to L2 (Priya Shah)",
			changed:  func(s *stack) bool { return s.incident(3).Escalation == 1 },
		},
		{
			name: "approve", open: []string{":", "CHG-1", "enter"}, shown: "Timeline", act: []string{"p"},
			question: "Approve CHG-1? Your approval is recorded against your name. y/n",
			done:     "CHG-1 approved and scheduled",
			changed: func(s *stack) bool {
				c, err := s.db.Change(s.ctx, 1)
				return err == nil && c.State == model.ChangeScheduled
			},
		},
		{
			name: "major off", act: []string{":", "major off one store only", "enter"},
			question: "Stand INC-3 down from major?",
			done:     "INC-3 stood down; post-incident review PRB-3 opened",
			changed:  func(s *stack) bool { return !s.incident(3).Major },
		},
		{
			name: "major on", open: []string{"j"}, act: []string{":", "major on every search fails", "enter"},
			question: "Declare INC-4 a major incident?",
			done:     "War room roles for INC-4", // the war room's first question
			changed:  func(s *stack) bool { return s.incident(4).Major },
		},
	}
	for _, size := range [][2]int{{uitest.SmallW, uitest.SmallH}, {uitest.LargeW, uitest.LargeH}} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%dx%d", tt.name, size[0], size[1]), func(t *testing.T) {
				s := seeded(t)
				_, tm := s.console(lead, size[0], size[1])
				if len(tt.open) > 0 {
					tm.Press(tt.open...)
				}
				if tt.shown != "" {
					tm.WaitFor(tt.shown)
				}
				for _, no := range []string{"n", "esc"} {
					tm.Press(tt.act...)
					tm.WaitFor(tt.question, "y: yes, do it · n or esc: no", "y yes")
					tm.Press("enter", "x") // not answers: the question stays
					tm.WaitFor(tt.question)
					tm.Press(no)
					tm.WaitUntil("the question gone after "+no, func(frame string) bool { return !strings.Contains(frame, tt.question) })
					if tt.changed(s) {
						t.Fatalf("%s after %s: the write was made", tt.name, no)
					}
				}
				tm.Press(tt.act...)
				tm.WaitFor(tt.question)
				tm.Press("y")
				tm.WaitFor(tt.done)
				tm.Final()
				if !tt.changed(s) {
					t.Fatalf("%s after y: nothing was written", tt.name)
				}
			})
		}
	}
}

// An incident at its team's last level has nothing to confirm: e says at
// once why it cannot be escalated.
func TestEscalateAtTheLastLevelIsNotAsked(t *testing.T) {
	s := seeded(t)
	for range 2 {
		if _, err := s.desk.Escalate(s.ctx, lead, 3, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, tm := s.console(lead, uitest.SmallW, uitest.SmallH)
	tm.Press("e")
	// Nothing to confirm: the service layer says why it cannot.
	tm.WaitFor("last level")
	tm.Final()
	if in := s.incident(3); in.Escalation != 2 {
		t.Fatalf("INC-3 at level %d", in.Escalation)
	}
}

// slowBoard holds the change board's reads of a change until gate closes,
// as a slow link or a busy server would.
type slowBoard struct {
	ui.Planner
	gate chan struct{}
}

func (b slowBoard) ViewChange(ctx context.Context, id int64) (model.ChangeView, error) {
	select {
	case <-b.gate:
	case <-ctx.Done():
		return model.ChangeView{}, ctx.Err()
	}
	return b.Planner.ViewChange(ctx, id)
}

// Keys typed while a record's detail is still loading (":CHG-1", enter and
// p at once) act on the record once it is on screen, in the order typed.
func TestKeysTypedAheadOfADetail(t *testing.T) {
	s := seeded(t)
	gate := make(chan struct{})
	_, tm := s.console(lead, uitest.LargeW, uitest.LargeH, func(d *ui.Deps) { d.Planner = slowBoard{Planner: s.desk, gate: gate} })
	tm.Press(":", "CHG-1", "enter", "p") // typed at once, as over a slow link
	tm.WaitFor("Loading… the key typed acts on it once it is here")
	close(gate)
	tm.WaitFor("Approve CHG-1? Your approval is recorded against your name. y/n")
	tm.Press("y")
	tm.WaitFor("CHG-1 approved and scheduled")
	if c, err := s.db.Change(s.ctx, 1); err != nil || c.State != model.ChangeScheduled {
		t.Fatalf("CHG-1 = %v, %v; want it approved and scheduled", c.State, err)
	}
}
