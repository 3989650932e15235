// Package keymaps defines every key binding of the console in one place.
// The help screen is generated from these bindings, and users override them
// by action name in their config file.
package keymaps

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// Group names, in the order the help screen shows them.
const (
	GroupNavigate = "Navigate"
	GroupPanes    = "Panes"
	GroupActions  = "Act"
	GroupCalendar = "Calendar"
	GroupGeneral  = "General"
	// GroupSilences are the keys of the silences list (:silences), which
	// act on the silence picked there; only there, so they may share keys
	// with the actions.
	GroupSilences = "Silences"
	// GroupAnswer are the answers to a question the console asks (resolve
	// the incidents waiting on a problem?). While it is asked only the
	// answers and the General keys work, so only those must not share a key.
	GroupAnswer = "Answer"
	// GroupConfirm are the answers to "are you sure?" before a write that
	// is hard to undo (escalate, approve, major on or off). Like the
	// answers above, they work only while the question is asked.
	GroupConfirm = "Confirm"
)

// KeyMap holds every binding. Fields are set from the action table below, so
// a binding is declared once, with its config name, group and help text.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back                             key.Binding

	NextPane, PrevPane                key.Binding
	Pane1, Pane2, Pane3, Pane4, Pane5 key.Binding
	Zoom                              key.Binding

	Ack, Assign, Escalate, Note, Resolve, Merge, Silence, OpenIncident, New, Approve key.Binding
	State, Priority, Link, Edit, ConfirmCause                                        key.Binding
	// OpenRunbook opens the first runbook an alert or incident names.
	OpenRunbook key.Binding
	// Problem records: RCA, known error, actions, publishing.
	RCA, KnownError, AddAction, ActionDone, Publish key.Binding
	// Knowledge base articles: their versions, a diff of two, a restore,
	// and the operator's verdict on whether one helped.
	History, Diff, Restore, Helpful, Unhelpful key.Binding

	CalPrev, CalNext, CalToday, CalView key.Binding

	Filter, Command, Palette, Help, Quit key.Binding
	Metrics, Problems, Jobs              key.Binding
	// Impact shows what a service's going down affects and what it needs.
	Impact key.Binding

	// The silences list: edit, extend or end the picked silence.
	SilenceEdit, SilenceExtend, SilenceExpire key.Binding

	// Answers to "resolve the incidents waiting on this problem?".
	AnswerFixed, AnswerKnownError, AnswerOnHold key.Binding
	// Answers to "are you sure?": yes goes ahead, no (or esc) does not.
	Yes, No key.Binding

	// Actions are every binding with its config name and group, in help order.
	Actions []Action
}

// Action is a named, grouped binding.
type Action struct {
	Name    string
	Group   string
	Binding *key.Binding
}

type def struct {
	name, group string
	keys        []string
	help        string
	field       func(*KeyMap) *key.Binding
}

// defaults is the one table of actions: config name, group, keys, help.
var defaults = []def{
	{"up", GroupNavigate, []string{"up", "k"}, "up", func(k *KeyMap) *key.Binding { return &k.Up }},
	{"down", GroupNavigate, []string{"down", "j"}, "down", func(k *KeyMap) *key.Binding { return &k.Down }},
	{"page_up", GroupNavigate, []string{"ctrl+u", "pgup"}, "page up", func(k *KeyMap) *key.Binding { return &k.PageUp }},
	{"page_down", GroupNavigate, []string{"ctrl+d", "pgdown"}, "page down", func(k *KeyMap) *key.Binding { return &k.PageDown }},
	{"top", GroupNavigate, []string{"g", "home"}, "first", func(k *KeyMap) *key.Binding { return &k.Top }},
	{"bottom", GroupNavigate, []string{"G", "end"}, "last", func(k *KeyMap) *key.Binding { return &k.Bottom }},
	{"enter", GroupNavigate, []string{"enter"}, "open detail", func(k *KeyMap) *key.Binding { return &k.Enter }},
	{"back", GroupNavigate, []string{"esc"}, "back", func(k *KeyMap) *key.Binding { return &k.Back }},

	{"next_pane", GroupPanes, []string{"tab"}, "next pane", func(k *KeyMap) *key.Binding { return &k.NextPane }},
	{"prev_pane", GroupPanes, []string{"shift+tab"}, "previous pane", func(k *KeyMap) *key.Binding { return &k.PrevPane }},
	{"pane_1", GroupPanes, []string{"1"}, "incidents", func(k *KeyMap) *key.Binding { return &k.Pane1 }},
	{"pane_2", GroupPanes, []string{"2"}, "alerts", func(k *KeyMap) *key.Binding { return &k.Pane2 }},
	{"pane_3", GroupPanes, []string{"3"}, "changes", func(k *KeyMap) *key.Binding { return &k.Pane3 }},
	{"pane_4", GroupPanes, []string{"4"}, "knowledge", func(k *KeyMap) *key.Binding { return &k.Pane4 }},
	{"pane_5", GroupPanes, []string{"5"}, "audit log", func(k *KeyMap) *key.Binding { return &k.Pane5 }},
	{"zoom", GroupPanes, []string{"z"}, "zoom pane", func(k *KeyMap) *key.Binding { return &k.Zoom }},

	{"ack", GroupActions, []string{"a"}, "acknowledge", func(k *KeyMap) *key.Binding { return &k.Ack }},
	{"assign", GroupActions, []string{"A"}, "assign", func(k *KeyMap) *key.Binding { return &k.Assign }},
	{"escalate", GroupActions, []string{"e"}, "escalate", func(k *KeyMap) *key.Binding { return &k.Escalate }},
	{"note", GroupActions, []string{"n"}, "add note", func(k *KeyMap) *key.Binding { return &k.Note }},
	{"resolve", GroupActions, []string{"r"}, "resolve", func(k *KeyMap) *key.Binding { return &k.Resolve }},
	{"merge", GroupActions, []string{"m"}, "merge into…", func(k *KeyMap) *key.Binding { return &k.Merge }},
	{"state", GroupActions, []string{"x"}, "change state", func(k *KeyMap) *key.Binding { return &k.State }},
	{"priority", GroupActions, []string{"u"}, "change priority", func(k *KeyMap) *key.Binding { return &k.Priority }},
	{"link", GroupActions, []string{"L"}, "link a record", func(k *KeyMap) *key.Binding { return &k.Link }},
	{"silence", GroupActions, []string{"s"}, "silence", func(k *KeyMap) *key.Binding { return &k.Silence }},
	{"open_incident", GroupActions, []string{"i"}, "open incident", func(k *KeyMap) *key.Binding { return &k.OpenIncident }},
	{"open_runbook", GroupActions, []string{"O"}, "open runbook", func(k *KeyMap) *key.Binding { return &k.OpenRunbook }},
	{"new", GroupActions, []string{"c"}, "new incident", func(k *KeyMap) *key.Binding { return &k.New }},
	{"approve", GroupActions, []string{"p"}, "approve change", func(k *KeyMap) *key.Binding { return &k.Approve }},
	{"edit", GroupActions, []string{"E"}, "edit change", func(k *KeyMap) *key.Binding { return &k.Edit }},
	{"confirm_cause", GroupActions, []string{"C"}, "confirm caused by change", func(k *KeyMap) *key.Binding { return &k.ConfirmCause }},
	{"rca", GroupActions, []string{"R"}, "edit RCA", func(k *KeyMap) *key.Binding { return &k.RCA }},
	{"known_error", GroupActions, []string{"K"}, "edit known error", func(k *KeyMap) *key.Binding { return &k.KnownError }},
	{"add_action", GroupActions, []string{"o"}, "add RCA action", func(k *KeyMap) *key.Binding { return &k.AddAction }},
	{"action_done", GroupActions, []string{"D"}, "tick off an action", func(k *KeyMap) *key.Binding { return &k.ActionDone }},
	{"publish", GroupActions, []string{"b"}, "publish known error", func(k *KeyMap) *key.Binding { return &k.Publish }},
	{"history", GroupActions, []string{"H"}, "article history", func(k *KeyMap) *key.Binding { return &k.History }},
	{"diff", GroupActions, []string{"d"}, "diff two versions", func(k *KeyMap) *key.Binding { return &k.Diff }},
	{"restore", GroupActions, []string{"U"}, "restore this version", func(k *KeyMap) *key.Binding { return &k.Restore }},
	{"helpful", GroupActions, []string{"+"}, "article helped", func(k *KeyMap) *key.Binding { return &k.Helpful }},
	{"unhelpful", GroupActions, []string{"-"}, "article did not help", func(k *KeyMap) *key.Binding { return &k.Unhelpful }},

	{"cal_prev", GroupCalendar, []string{"h", "left"}, "previous week", func(k *KeyMap) *key.Binding { return &k.CalPrev }},
	{"cal_next", GroupCalendar, []string{"l", "right"}, "next week", func(k *KeyMap) *key.Binding { return &k.CalNext }},
	{"cal_today", GroupCalendar, []string{"t"}, "this week", func(k *KeyMap) *key.Binding { return &k.CalToday }},
	{"cal_view", GroupCalendar, []string{"v"}, "week, agenda or day view", func(k *KeyMap) *key.Binding { return &k.CalView }},

	{"filter", GroupGeneral, []string{"/"}, "filter / search", func(k *KeyMap) *key.Binding { return &k.Filter }},
	{"command", GroupGeneral, []string{":"}, "command line", func(k *KeyMap) *key.Binding { return &k.Command }},
	{"palette", GroupGeneral, []string{"ctrl+p"}, "command palette", func(k *KeyMap) *key.Binding { return &k.Palette }},
	{"metrics", GroupGeneral, []string{"M"}, "service metrics", func(k *KeyMap) *key.Binding { return &k.Metrics }},
	{"problems", GroupGeneral, []string{"P"}, "problems & RCA", func(k *KeyMap) *key.Binding { return &k.Problems }},
	{"impact", GroupGeneral, []string{"I"}, "service impact", func(k *KeyMap) *key.Binding { return &k.Impact }},
	{"help", GroupGeneral, []string{"?"}, "help", func(k *KeyMap) *key.Binding { return &k.Help }},
	{"quit", GroupGeneral, []string{"q", "ctrl+c"}, "quit", func(k *KeyMap) *key.Binding { return &k.Quit }},
	{"jobs", GroupGeneral, []string{"J"}, "jobs & backups", func(k *KeyMap) *key.Binding { return &k.Jobs }},

	{"silence_edit", GroupSilences, []string{"e"}, "edit silence (a new one replaces it)", func(k *KeyMap) *key.Binding { return &k.SilenceEdit }},
	{"silence_extend", GroupSilences, []string{"x"}, "extend silence", func(k *KeyMap) *key.Binding { return &k.SilenceExtend }},
	{"silence_expire", GroupSilences, []string{"d"}, "expire silence now", func(k *KeyMap) *key.Binding { return &k.SilenceExpire }},

	{"answer_fixed", GroupAnswer, []string{"y"}, "resolve them as fixed", func(k *KeyMap) *key.Binding { return &k.AnswerFixed }},
	{"answer_known_error", GroupAnswer, []string{"k"}, "as known error", func(k *KeyMap) *key.Binding { return &k.AnswerKnownError }},
	{"answer_on_hold", GroupAnswer, []string{"n"}, "leave them on hold", func(k *KeyMap) *key.Binding { return &k.AnswerOnHold }},

	{"yes", GroupConfirm, []string{"y"}, "yes, do it", func(k *KeyMap) *key.Binding { return &k.Yes }},
	{"no", GroupConfirm, []string{"n"}, "no", func(k *KeyMap) *key.Binding { return &k.No }},
}

// Default returns the built-in key map.
func Default() *KeyMap {
	km, err := New(nil)
	if err != nil {
		// The built-in table is checked by tests; a duplicate here is a programming error.
		panic(err)
	}
	return km
}

// New builds the key map with user overrides applied. Overrides map an action
// name (as listed by Names) to the keys that trigger it, replacing the
// defaults. Unknown action names and keys bound to two actions are errors.
func New(overrides map[string][]string) (*KeyMap, error) {
	km := &KeyMap{}
	known := make(map[string]bool, len(defaults))
	var problems []string
	for _, d := range defaults {
		known[d.name] = true
		keys := d.keys
		if o, ok := overrides[d.name]; ok {
			if len(o) == 0 {
				problems = append(problems, fmt.Sprintf("keys.%s: no keys given; list at least one, e.g. %s = [%q]", d.name, d.name, d.keys[0]))
				continue
			}
			keys = o
		}
		b := d.field(km)
		*b = key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKeys(keys), d.help))
		km.Actions = append(km.Actions, Action{Name: d.name, Group: d.group, Binding: b})
	}
	for name := range overrides {
		if !known[name] {
			problems = append(problems, fmt.Sprintf("keys.%s: no such action; actions are %s", name, strings.Join(Names(), ", ")))
		}
	}
	problems = append(problems, km.duplicates()...)
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("key bindings:\n  %s", strings.Join(problems, "\n  "))
	}
	return km, nil
}

// duplicates reports keys bound to two actions that work at the same time.
// Every action outside GroupAnswer and GroupConfirm is reachable from
// anywhere in the console, so among them one key may mean one thing only;
// the answers to a question share keys with those (k is up, and answers
// "known error"), and the two questions share keys with each other.
func (km *KeyMap) duplicates() []string {
	owners := map[string][]Action{}
	var problems []string
	for _, a := range km.Actions {
		for _, k := range a.Binding.Keys() {
			for _, prev := range owners[k] {
				if together(prev.Group, a.Group) {
					problems = append(problems, fmt.Sprintf("key %q is bound to both %s and %s; change one of them in [keys]", k, prev.Name, a.Name))
				}
			}
			owners[k] = append(owners[k], a)
		}
	}
	return problems
}

// together reports whether the keys of two groups work at the same time:
// while a question is asked (GroupAnswer, GroupConfirm), its answers and
// the General keys do; in the silences list, its keys and the General keys.
func together(g1, g2 string) bool {
	for _, only := range []string{GroupAnswer, GroupConfirm, GroupSilences} {
		if g1 == only || g2 == only {
			return g1 == g2 || g1 == GroupGeneral || g2 == GroupGeneral
		}
	}
	return true
}

// Names lists the action names accepted in the config file.
func Names() []string {
	names := make([]string, len(defaults))
	for i, d := range defaults {
		names[i] = d.name
	}
	return names
}

// Group returns the bindings of one group, in help order.
func (km *KeyMap) Group(g string) []key.Binding {
	var out []key.Binding
	for _, a := range km.Actions {
		if a.Group == g {
			out = append(out, *a.Binding)
		}
	}
	return out
}

// helpKeys is the short label for a binding's keys: "↑/k".
func helpKeys(keys []string) string {
	pretty := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→", "shift+tab": "⇧tab"}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if p, ok := pretty[k]; ok {
			k = p
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return strings.Join(out, "/")
}
