package keymaps

import (
	"strings"
	"testing"
)

func TestDefaultsHaveNoDuplicates(t *testing.T) {
	km, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(km.Actions) != len(defaults) {
		t.Fatalf("actions = %d, want %d", len(km.Actions), len(defaults))
	}
	if !strings.Contains(km.Quit.Help().Key, "q") {
		t.Fatalf("quit help = %q", km.Quit.Help().Key)
	}
}

func TestOverrides(t *testing.T) {
	tests := []struct {
		name      string
		overrides map[string][]string
		wantErr   string
		check     func(t *testing.T, km *KeyMap)
	}{
		{
			name:      "override wins",
			overrides: map[string][]string{"quit": {"ctrl+q"}},
			check: func(t *testing.T, km *KeyMap) {
				if got := km.Quit.Keys(); len(got) != 1 || got[0] != "ctrl+q" {
					t.Fatalf("quit keys = %v", got)
				}
			},
		},
		{name: "duplicate with a default", overrides: map[string][]string{"ack": {"q"}}, wantErr: `key "q" is bound to both ack and quit`},
		{name: "duplicate within overrides", overrides: map[string][]string{"ack": {"x"}, "note": {"x"}}, wantErr: `key "x" is bound to both`},
		{name: "unknown action", overrides: map[string][]string{"explode": {"x"}}, wantErr: "keys.explode: no such action"},
		{name: "empty list", overrides: map[string][]string{"help": {}}, wantErr: "keys.help: no keys given"},
		{name: "moving a key frees it", overrides: map[string][]string{"quit": {"ctrl+c"}, "ack": {"q"}}},
		{
			name:      "an answer is rebound",
			overrides: map[string][]string{"answer_known_error": {"K"}},
			check: func(t *testing.T, km *KeyMap) {
				if got := km.AnswerKnownError.Keys(); len(got) != 1 || got[0] != "K" {
					t.Fatalf("answer_known_error keys = %v", got)
				}
			},
		},
		// An answer may share a key with a pane's action (k is also up),
		// but not with another answer or a key that works everywhere.
		{name: "answers share a key", overrides: map[string][]string{"answer_fixed": {"n"}}, wantErr: `key "n" is bound to both answer_fixed and answer_on_hold`},
		{name: "an answer on a general key", overrides: map[string][]string{"answer_on_hold": {"q"}}, wantErr: `key "q" is bound to both quit and answer_on_hold`},
		{name: "an answer on an action's key", overrides: map[string][]string{"answer_fixed": {"a"}}},
		// "Are you sure?" is its own question: yes and no may not share a
		// key, may share one with the problem question's answers, and may
		// not take a key that works everywhere.
		{name: "yes and no share a key", overrides: map[string][]string{"yes": {"n"}}, wantErr: `key "n" is bound to both yes and no`},
		{name: "yes on a general key", overrides: map[string][]string{"yes": {"q"}}, wantErr: `key "q" is bound to both quit and yes`},
		{name: "yes on an answer's key", overrides: map[string][]string{"yes": {"k"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			km, err := New(tt.overrides)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, km)
			}
		})
	}
}

// Every action is in one of the groups the help shows.
func TestGroupsCoverEveryAction(t *testing.T) {
	km := Default()
	n := 0
	for _, g := range []string{GroupNavigate, GroupPanes, GroupActions, GroupCalendar, GroupGeneral, GroupSilences, GroupAnswer, GroupConfirm} {
		n += len(km.Group(g))
	}
	if n != len(defaults) {
		t.Fatalf("the groups hold %d bindings, want %d", n, len(defaults))
	}
}
