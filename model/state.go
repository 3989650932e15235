package model

import (
	"fmt"
	"slices"
	"strings"
)

// transitions lists the legal moves of the incident state machine.
var transitions = map[IncidentState][]IncidentState{
	StateNew:        {StateInProgress, StateResolved, StateCancelled},
	StateInProgress: {StateOnHold, StateResolved, StateCancelled},
	StateOnHold:     {StateInProgress, StateResolved},
	StateResolved:   {StateClosed, StateInProgress},
}

// NextStates lists the states an incident may move to from s.
func NextStates(s IncidentState) []IncidentState { return slices.Clone(transitions[s]) }

// ResolutionCodes are the accepted reasons an incident was resolved.
var ResolutionCodes = []string{"fixed", "workaround", "known_error", "duplicate", "resolved_by_change", "no_fault_found"}

// CheckTransition says whether an incident may move from one state to another,
// and if not, why.
func CheckTransition(from, to IncidentState) error {
	if slices.Contains(transitions[from], to) {
		return nil
	}
	next := transitions[from]
	if len(next) == 0 {
		return fmt.Errorf("a %s incident cannot change state", from.Label())
	}
	names := make([]string, len(next))
	for i, s := range next {
		names[i] = s.Label()
	}
	return fmt.Errorf("cannot move from %s to %s: it can go to %s", from.Label(), to.Label(), orList(names))
}

// orList joins choices for a message: "A", "A or B", "A, B or C".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
