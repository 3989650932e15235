package demo

import (
	"testing"
	"time"
	"fmt"

	"github.com/hypercare-ops/hypercare/model"
)

func TestDebugDump(t *testing.T) {
	now := time.Now()
	p, _ := Plan(now)
	db, desk := openDesk(t, p)
	if err := Seed(t.Context(), desk, p, now); err != nil { t.Fatal(err) }
	ins, _ := db.Queue(t.Context(), model.QueueQuery{All: true})
	for _, in := range ins {
		fmt.Printf("%-7s %s %-11s %-5v %-13s %-10s %-16s %s %s\n", in.Ref(), in.Priority, in.State, in.Major, in.Service, in.Team, in.Assignee, in.OpenedAt.In(p.Location()).Format("Mon 02 15:04"), in.Title)
	}
	als, _ := db.Feed(t.Context(), model.FeedQuery{})
	deliveries := 0
	bySev := map[model.Severity]int{}
	for _, a := range als { deliveries += a.Count; bySev[a.Severity]++ }
	fmt.Println("alerts", len(als), "deliveries", deliveries, bySev)
	for _, a := range als[:8] { fmt.Printf("%s %-9s %-14s %-22s %d %s | %s\n", a.LastSeen.In(p.Location()).Format("Mon 15:04"), a.State, a.Service, a.Name, a.Count, a.Summary, a.Labels["instance"]) }
	cs, _ := db.ChangesBetween(t.Context(), now.AddDate(0,0,-30), now.AddDate(0,0,60))
	for _, c := range cs { fmt.Printf("%s %-9s %-9s %s-%s %-12s %-20s %s\n", c.Ref(), c.Type, c.State, c.Start.In(p.Location()).Format("Mon 02 15:04"), c.End.In(p.Location()).Format("15:04"), c.Service, c.Implementer, c.Title) }
	tl, _ := db.Timeline(t.Context(), 20)
	for _, e := range tl { fmt.Printf("%s %-16s %-8s %s\n", e.At.In(p.Location()).Format("Mon 15:04"), e.Actor, e.Kind, e.Text) }
	c, _ := db.Counts(t.Context())
	fmt.Printf("%+v\nday1 %s now %s\n", c, p.Hypercare.Start, now)
}
