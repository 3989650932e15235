package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/hypercare-ops/hypercare/model"
)

type problemStepKind int

const (
	advanceStep problemStepKind = iota
	rcaStep
	knownErrorStep
	publishStep
	actionStep
	actionDoneStep
	linkStep
)

// problemStep is one thing done to a problem. Problems run over days, so
// each step is pinned to its own moment rather than to the opening.
type problemStep struct {
	at    when
	kind  problemStepKind
	to    model.ProblemState
	rca   model.RCA
	known model.KnownError
	text  string // the action, or the title of the story whose incident is linked
	owner string // who does the action
	due   when   // when the action is due
}

func advance(at when, to model.ProblemState) problemStep {
	return problemStep{at: at, kind: advanceStep, to: to}
}

func writeRCA(at when, r model.RCA) problemStep { return problemStep{at: at, kind: rcaStep, rca: r} }

func recordKnownError(at when, k model.KnownError) problemStep {
	return problemStep{at: at, kind: knownErrorStep, known: k}
}

// publishKnownError publishes the known error to the knowledge base.
func publishKnownError(at when) problemStep { return problemStep{at: at, kind: publishStep} }

func addAction(at when, text, owner string, due when) problemStep {
	return problemStep{at: at, kind: actionStep, text: text, owner: owner, due: due}
}

// tickOff marks the action with this text done.
func tickOff(at when, text string) problemStep {
	return problemStep{at: at, kind: actionDoneStep, text: text}
}

// linkIncident links the incident of the story with this title.
func linkIncident(at when, story string) problemStep {
	return problemStep{at: at, kind: linkStep, text: story}
}

// problemStory is a problem record as the leads worked it over the week,
// opened from incidents of the stories.
type problemStory struct {
	opened    when
	title     string
	service   string
	category  string
	owner     string
	desc      string
	incidents []string // titles of the stories whose incidents it is opened from
	steps     []problemStep
}

// problems are the week's problem records: the AcmePay latency behind the
// payment incidents, analysed, its known error published and its fix under
// way; and the reporting extract that keeps reading a lagging replica, still
// being assessed. The major incident's problem is left for the operator to
// open from the recurrence rule's suggestion. Every step falls before day 7.
var problems = []problemStory{
	{opened: on(3, 13, 30), service: "psp-gateway", category: "performance", owner: "raj.iyer",
		title: "AcmePay authorisations slow down at the evening peak",
		desc: "Day 2's evening-peak timeouts (ACM-90112), and the chase for AcmePay's report on them. " +
			"A slow AcmePay node should not turn into failed payments: find out why it does.",
		incidents: []string{
			"AcmePay authorisations timing out at the evening peak",
			"Chase AcmePay for the incident report on the Frankfurt node",
		},
		steps: []problemStep{
			addAction(on(3, 13, 40), "Alert on AcmePay /authorize p99 per node above 2 s", "raj.iyer", on(4, 23, 59)),
			addAction(on(3, 13, 45), "Get AcmePay's incident report on ACM-90112 into the RCA", "maya.patel", on(8, 23, 59)),
			advance(on(4, 9, 0), model.ProblemAssess),
			tickOff(on(4, 16, 20), "Alert on AcmePay /authorize p99 per node above 2 s"),
			advance(on(4, 16, 30), model.ProblemRCA),
			writeRCA(on(5, 15, 0), model.RCA{
				Timeline: "Day 2 19:40 PSPTimeouts fires; card payments fail at the end of checkout\n" +
					"Day 2 20:05 payments proves it is AcmePay: /authorize p99 9.2 s, connect and TLS fine\n" +
					"Day 2 20:21 ACM-90112 opened with AcmePay by phone; they see one slow node in Frankfurt\n" +
					"Day 2 21:02 AcmePay takes psp-eu-1 out of rotation; circuit breaker closed at 21:07\n" +
					"Day 3 13:05 AcmePay's incident report asked for; promised within 3 business days\n" +
					"Day 4 16:20 per-node latency alert live",
				Whys: []string{
					"Authorisations timed out: AcmePay's /authorize p99 reached 9.2 s against our 8 s read timeout",
					"One AcmePay node in Frankfurt (psp-eu-1) slowed down at the peak and stayed in rotation until we phoned",
					"payments kept sending half of its calls to the slow node: its client ejects a node on errors, never on latency",
					"The client's outlier detection kept its pre-production default, where AcmePay's sandbox never slowed down",
					"The go-live load test measured AcmePay's availability, not its latency under our peak",
				},
				Factors: "The evening peak ran at about three times the load test's authorisation rate.\n" +
					"The circuit breaker opens at 20% failures, so a node answering just under the timeout never trips it.\n" +
					"Nothing watched AcmePay's latency per node until day 4.\n" +
					"AcmePay's own root cause for the node is still outstanding.",
			}),
			recordKnownError(on(5, 15, 30), model.KnownError{
				Symptom: "At the evening peak some card payments end with \"We could not confirm your payment\". " +
					"PSPTimeouts fires on psp-gateway, or HighLatency on payments with psp taking most of the time; " +
					"per-node logs show one AcmePay node (psp-eu-1 or psp-eu-2) far slower than the other.",
				RootCause: "An AcmePay node slows down under peak load and payments keeps sending it half of the " +
					"authorisations: its client ejects a node only after errors, not when it is slow.",
				Workaround: "Prove which node is slow (runbook AcmePay PSP timeouts), then phone AcmePay merchant support, " +
					"quote ACM-90112 and ask for that node to be taken out of rotation; it takes them about 20 minutes. " +
					"Do not raise the timeout above 8 s. Timed-out authorisations are reconciled within 15 minutes: never void by hand.",
			}),
			publishKnownError(on(5, 16, 0)),
			addAction(on(5, 16, 10), "Eject an AcmePay node after 3 answers slower than 2 s (payments client)", "raj.iyer", on(9, 23, 59)),
			addAction(on(5, 16, 15), "Agree a p99 latency target for /authorize with AcmePay", "maya.patel", on(12, 23, 59)),
			advance(on(6, 10, 0), model.ProblemFixing),
			linkIncident(on(6, 21, 40), "Payments p99 above 1.5 s at the evening peak"),
		}},
	{opened: on(6, 9, 50), service: "reporting", category: "data", owner: "sofia.lindqvist",
		title: "Reporting extract reads orders from a lagging replica",
		desc: "Three times this week the 05:00 extract read db-3 while it was behind the primary: empty finance " +
			"dashboards on day 4, then replication lag and a revenue report 8% low on day 6. The services differ, " +
			"so the recurrence rule does not see it. Proposed: run the extract at 05:30 from a snapshot.",
		incidents: []string{
			"Reporting extract late; finance dashboards empty at 08:00",
			"Replication lag on db-3 during the reporting extract",
			"Yesterday's revenue in the finance report is 8% low",
		},
		steps: []problemStep{
			advance(on(6, 11, 0), model.ProblemAssess),
		}},
}

// problemRun is what later steps of a problem need to know about it.
type problemRun struct {
	id      int64
	actions map[string]int64 // action text → id
}

// addProblems schedules each problem's opening and steps, all by the lead
// on duty.
func (s *seeder) addProblems() error {
	for _, ps := range problems {
		for _, title := range ps.incidents {
			if _, ok := s.incidents[title]; !ok {
				return fmt.Errorf("problem %q: no story %q to link", ps.title, title)
			}
		}
		run := &problemRun{actions: map[string]int64{}}
		opened := s.time(ps.opened)
		s.schedule(opened, "problem "+ps.title, func(ctx context.Context) error {
			n := model.NewProblem{Title: ps.title, Service: ps.service, Category: ps.category, Owner: ps.owner, Description: ps.desc}
			for _, title := range ps.incidents {
				n.Incidents = append(n.Incidents, s.incidents[title].id)
			}
			p, err := s.desk.CreateProblem(ctx, s.cast.actor(lead, "", opened), n)
			run.id = p.ID
			return err
		})
		for _, st := range ps.steps {
			if _, ok := s.incidents[st.text]; st.kind == linkStep && !ok {
				return fmt.Errorf("problem %q: no story %q to link", ps.title, st.text)
			}
			at := s.time(st.at)
			if at.Before(opened) {
				return fmt.Errorf("problem %q: a step at %s comes before it was opened", ps.title, at.Format(time.RFC3339))
			}
			s.schedule(at, "problem "+ps.title, func(ctx context.Context) error { return s.problemStep(ctx, run, st, at) })
		}
	}
	return nil
}

func (s *seeder) problemStep(ctx context.Context, run *problemRun, st problemStep, at time.Time) error {
	a := s.cast.actor(lead, "", at)
	var err error
	switch st.kind {
	case advanceStep:
		_, err = s.desk.ProblemTransition(ctx, a, run.id, model.ProblemChange{To: st.to})
	case rcaStep:
		_, err = s.desk.SaveRCA(ctx, a, run.id, st.rca)
	case knownErrorStep:
		_, err = s.desk.SaveKnownError(ctx, a, run.id, st.known)
	case publishStep:
		_, err = s.desk.PublishKnownError(ctx, a, run.id)
	case actionStep:
		var act model.ProblemAction
		act, err = s.desk.AddProblemAction(ctx, a, run.id, model.ProblemAction{Text: st.text, Owner: st.owner, Due: s.time(st.due)})
		run.actions[st.text] = act.ID
	case actionDoneStep:
		id, ok := run.actions[st.text]
		if !ok {
			return fmt.Errorf("no action %q to tick off", st.text)
		}
		_, err = s.desk.SetProblemActionDone(ctx, a, run.id, id, true)
	case linkStep:
		_, err = s.desk.LinkProblem(ctx, a, run.id, s.incidents[st.text].id)
	}
	return err
}
