package model

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DeployStatus is where a pipeline's deploy stands.
type DeployStatus string

const (
	DeployStarted    DeployStatus = "started"
	DeploySucceeded  DeployStatus = "succeeded"
	DeployFailed     DeployStatus = "failed"
	DeployRolledBack DeployStatus = "rolled_back"
)

// DeployStatuses lists the statuses in the order a deploy passes through them.
var DeployStatuses = []DeployStatus{DeployStarted, DeploySucceeded, DeployFailed, DeployRolledBack}

// ParseDeployStatus reads a status name, in any letter case.
func ParseDeployStatus(s string) (DeployStatus, error) {
	for _, st := range DeployStatuses {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("status %q: use started, succeeded, failed or rolled_back", s)
}

// Finished reports whether the deploy has ended, well or not.
func (s DeployStatus) Finished() bool { return s != DeployStarted }

// stage orders the statuses a report may move a deploy through: it starts,
// it ends (succeeded or failed), and what ended may be rolled back. A
// report never moves a deploy back to an earlier stage.
func (s DeployStatus) stage() int {
	switch s {
	case DeployStarted:
		return 0
	case DeployRolledBack:
		return 2
	}
	return 1
}

// DeployEarly is how long before a change's planned start a deploy still
// counts as that change's: pipelines queue, and their clocks differ from ours.
const DeployEarly = 15 * time.Minute

// Deploy is one deployment a pipeline reported, and what hypercare made of
// it: the authorised change it belongs to, or that none covers it.
type Deploy struct {
	ID int64 `json:"id,omitzero"`
	// Key identifies the deploy on its service: the pipeline's own id for
	// it, or version@start when it gives none. Reports with the same
	// service and key are the same deploy.
	Key     string       `json:"key"`
	Service string       `json:"service"`
	Version string       `json:"version"`
	By      string       `json:"by,omitzero"` // who or what deployed
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end,omitzero"` // zero while it runs
	Status  DeployStatus `json:"status"`
	URL     string       `json:"url,omitzero"` // the pipeline run
	// Named is the change the pipeline said the deploy belongs to; 0 when
	// it named none.
	Named int64 `json:"named_change,omitzero"`
	// ChangeID is the authorised change that covers the deploy; 0 when none.
	ChangeID int64 `json:"change_id,omitzero"`
	// Unauthorised marks a deploy no authorised change covers; Note says
	// why, or how it was matched.
	Unauthorised bool      `json:"unauthorised"`
	Note         string    `json:"note,omitzero"`
	Recorded     time.Time `json:"recorded"` // when its first report arrived
	Updated      time.Time `json:"updated"`  // when a report last changed it
}

// Ref is the deploy's reference, DEP-n.
func (d Deploy) Ref() string { return fmt.Sprintf("DEP-%d", d.ID) }

// Describe is the deploy as the timeline and the audit say it:
// "deploy 2.14.0 of checkout by ci-bot (succeeded)".
func (d Deploy) Describe() string {
	s := fmt.Sprintf("deploy %s of %s", d.Version, d.Service)
	if d.By != "" {
		s += " by " + d.By
	}
	return s + " (" + string(d.Status) + ")"
}

// advances reports whether a new report of a stored deploy tells anything
// new: a later stage, or an end time the stored one lacks. Anything else
// is a repeat or an older copy, and changes nothing.
func (d Deploy) advances(report Deploy) bool {
	if report.Status.stage() != d.Status.stage() {
		return report.Status.stage() > d.Status.stage()
	}
	return d.End.IsZero() && !report.End.IsZero()
}

// Covers says why a change does not authorise a deploy, or "" when it
// does: the change is on the deploy's service, and it is being
// implemented, or it is scheduled and its planned window (opened
// DeployEarly before its start) contains the deploy's start.
func Covers(c Change, d Deploy) string {
	switch {
	case !c.Touches(d.Service):
		return fmt.Sprintf("%s is a change to %s, not %s", c.Ref(), strings.Join(c.Services, ", "), d.Service)
	case c.State == ChangeImplement:
		return ""
	case c.State != ChangeScheduled:
		return fmt.Sprintf("%s is %s: only a scheduled change, or one being implemented, covers a deploy", c.Ref(), c.State)
	case d.Start.Before(c.Start.Add(-DeployEarly)) || !d.Start.Before(c.End):
		return fmt.Sprintf("the deploy started outside %s's planned window (opened %s before its start)", c.Ref(), DeployEarly)
	}
	return ""
}

// DeployCandidates lists the changes among changes that cover a deploy
// that named none, best first: one being implemented before one that is
// only scheduled, then the latest planned start.
func DeployCandidates(d Deploy, changes []Change) []Change {
	var out []Change
	for _, c := range changes {
		if Covers(c, d) == "" {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b Change) int {
		if (a.State == ChangeImplement) != (b.State == ChangeImplement) {
			if a.State == ChangeImplement {
				return -1
			}
			return 1
		}
		return cmp.Or(b.Start.Compare(a.Start), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// DeploySteps are the steps a deploy moves a covering change through, by
// the change's flow: a scheduled change starts when its deploy starts, and
// a change being implemented completes (into review) when its deploy has
// finished, however it finished; the review says how it went.
func DeploySteps(state ChangeState, status DeployStatus) []ChangeAction {
	var steps []ChangeAction
	if state == ChangeScheduled {
		steps = append(steps, ChangeStart)
		state = ChangeImplement
	}
	if state == ChangeImplement && status.Finished() {
		steps = append(steps, ChangeComplete)
	}
	return steps
}
