package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// keyCommand is something a key does in one place (a pane, a detail) that
// has no command of its own. The palette lists it with its key, and the ":"
// line runs it by the key map's action name (the name [keys] in config.toml
// uses): it presses the key where the operator is, so it does exactly what
// the key does there, and says where to go when the key does nothing here.
type keyCommand struct {
	action string // the key map action; also the command's name
	where  string // where the key works; "" for everywhere
	desc   string
}

var keyCommands = []keyCommand{
	{"silence", "the alert feed or an alert", "silence the selected alert, or its storm (form: matchers, preview, how long)"},
	{"open_incident", "the alert feed or an alert; a problem", "open an incident from the selected alert (form); in a problem, open a linked incident"},
	{"open_runbook", "the alert feed or an alert; an incident", "open the first runbook the alert or incident names"},
	{"edit", "the calendar or a change; an article", "edit the selected change (form), or the article (editor)"},
	{"confirm_cause", "an incident that followed a change", "confirm the incident was caused by the change it followed"},
	{"rca", "a problem", "edit the problem's root cause analysis (form)"},
	{"known_error", "a problem", "edit the problem's known error: symptoms and workaround (form)"},
	{"add_action", "a problem", "add an action to the problem's RCA (form)"},
	{"action_done", "a problem", "tick off one of the problem's actions"},
	{"publish", "a problem", "publish the problem's known error to the knowledge base"},
	{"history", "an article", "the article's versions, newest first"},
	{"diff", "an article's history", "mark a version, then diff it with another"},
	{"restore", "an article's history", "restore the selected version as the newest"},
	{"helpful", "an article", "record that the article helped you"},
	{"unhelpful", "an article", "record that the article did not help you"},
	{"cal_prev", "the calendar", "the previous week (the previous day in the day view)"},
	{"cal_next", "the calendar", "the next week (the next day in the day view)"},
	{"cal_view", "the calendar", "switch between the week, agenda and day views"},
	{"next_pane", "", "focus the next pane"},
	{"prev_pane", "", "focus the previous pane"},
}

// keyCommandList are the key commands as commands, for the ":" line and
// the palette.
func keyCommandList() []command {
	out := make([]command, 0, len(keyCommands))
	for _, kc := range keyCommands {
		desc := kc.desc
		if kc.where != "" {
			desc += " — in " + kc.where
		}
		out = append(out, command{name: kc.action, desc: desc, run: func(m *Model, _ string) tea.Cmd { return m.pressFor(kc) }})
	}
	return out
}

// pressFor presses the key of kc where the operator is, once the ":" line
// or the palette has closed; if the key does nothing here, it says where it
// does instead.
func (m *Model) pressFor(kc keyCommand) tea.Cmd {
	b, ok := m.binding(kc.action)
	if !ok || len(b.Keys()) == 0 {
		return notice(fmt.Errorf("%s: no key is bound to it (config.toml [keys])", kc.action))
	}
	if kc.where != "" && !bindsHere(m.keysHere(), b) {
		return notice(fmt.Errorf("%s (%s) works in %s: go there first", kc.action, b.Help().Key, kc.where))
	}
	msg := keyMsg(b.Keys()[0])
	return func() tea.Msg { return msg }
}

// binding is the key map's binding of an action.
func (m *Model) binding(action string) (key.Binding, bool) {
	for _, a := range m.s.km.Actions {
		if a.Name == action {
			return *a.Binding, true
		}
	}
	return key.Binding{}, false
}

// bindsHere reports whether one of the keys offered here is a key of b.
func bindsHere(here []key.Binding, b key.Binding) bool {
	for _, h := range here {
		for _, k := range h.Keys() {
			for _, want := range b.Keys() {
				if k == want {
					return true
				}
			}
		}
	}
	return false
}

// keyMsg is the key press a key map names: "s", "+", "tab", "ctrl+p",
// "alt+x".
func keyMsg(k string) tea.KeyMsg {
	alt := false
	if rest, ok := strings.CutPrefix(k, "alt+"); ok && rest != "" {
		alt, k = true, rest
	}
	if utf8.RuneCountInString(k) == 1 {
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k), Alt: alt}
	}
	// Named keys: bubbletea's own names for its key types.
	for t := tea.KeyType(-128); t < 128; t++ {
		if t != tea.KeyRunes && (tea.Key{Type: t}).String() == k {
			return tea.KeyMsg{Type: t, Alt: alt}
		}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k), Alt: alt}
}
