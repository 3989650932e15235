package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/hypercare-ops/hypercare/model"
	"github.com/hypercare-ops/hypercare/plan"
	"github.com/hypercare-ops/hypercare/ui"
)

// The local console follows plan reloads as SSH sessions do: a demotion
// applies at once, and removing the operator ends the console with why.
func TestLocalConsoleFollowsThePlan(t *testing.T) {
	ctx, a := openSeeded(t)
	planPath := a.plan.Plan().Path
	who := func(p *plan.Plan) (model.Actor, error) { return actorFor(p, "tom.okafor") }
	actor, err := who(a.plan.Plan())
	if err != nil || actor.Role != model.RoleOperator {
		t.Fatalf("tom.okafor = %+v %v; the example plan has him as an operator", actor, err)
	}
	changed, stop := a.plan.Subscribe()
	defer stop()
	sent := make(chan tea.Msg, 4)
	quit := make(chan struct{}, 1)
	ended := make(chan string, 1)
	go func() {
		ended <- followPlan(ctx, a.plan.Plan, who, actor, changed, func(m tea.Msg) { sent <- m }, func() { quit <- struct{}{} })
	}()
	edit := func(edit func(*plan.Plan), loaded func(*plan.Plan) bool) {
		p, err := plan.Load(planPath)
		if err != nil {
			t.Fatal(err)
		}
		edit(p)
		var buf bytes.Buffer
		if err := p.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		reloadPlan(t, a, planPath, buf.Bytes(), loaded)
	}
	operator := func(p *plan.Plan) *plan.Operator {
		for i := range p.Operators {
			if p.Operators[i].Name == "tom.okafor" {
				return &p.Operators[i]
			}
		}
		return nil
	}
	edit(func(p *plan.Plan) { operator(p).RoleName = "viewer" },
		func(p *plan.Plan) bool { op, _ := p.Operator("tom.okafor"); return op.Role == model.RoleViewer })
	select {
	case m := <-sent:
		if rc, ok := m.(ui.RoleChangedMsg); !ok || rc.Role != model.RoleViewer {
			t.Fatalf("sent %#v; want the role changed to viewer", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the demotion did not reach the console")
	}
	edit(func(p *plan.Plan) {
		for i := range p.Operators {
			if p.Operators[i].Name == "tom.okafor" {
				p.Operators = append(p.Operators[:i], p.Operators[i+1:]...)
				return
			}
		}
	}, func(p *plan.Plan) bool { _, ok := p.Operator("tom.okafor"); return !ok })
	select {
	case why := <-ended:
		if !strings.Contains(why, "no longer has tom.okafor") || len(quit) != 1 {
			t.Fatalf("ended with %q, quit %d; want the console quit with the reason", why, len(quit))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("removing the operator did not end the console")
	}
}
