package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hypercare-ops/hypercare/keymaps"

	"github.com/BurntSushi/toml"
)

// global holds the flags every command accepts.
type global struct {
	db, drops, plan, config, as string
	keep                        string // with --demo: the folder to keep the demo in
	demo, plain, wall           bool
	rotate                      time.Duration
}

func defaults() global {
	return global{
		db:     filepath.Join(dataDir(), "hypercare.db"),
		drops:  filepath.Join(dataDir(), "drops"),
		plan:   filepath.Join(configDir(), "plan.toml"),
		config: filepath.Join(configDir(), "config.toml"),
	}
}

// flags returns a flag set with the global flags bound to g; commands add
// their own flags to it.
func (g *global) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.db, "db", g.db, "")
	fs.StringVar(&g.drops, "drops", g.drops, "")
	fs.StringVar(&g.plan, "plan", g.plan, "")
	fs.StringVar(&g.config, "config", g.config, "")
	fs.StringVar(&g.as, "as", g.as, "")
	fs.BoolVar(&g.demo, "demo", false, "")
	fs.StringVar(&g.keep, "keep", "", "")
	fs.BoolVar(&g.plain, "plain", false, "")
	fs.BoolVar(&g.wall, "wall", false, "")
	fs.DurationVar(&g.rotate, "rotate", 0, "")
	return fs
}

// parse reads flags wherever they appear among the words, so both
// "hypercare --json list incidents" and "hypercare list incidents --json"
// work, and returns the words that are not flags.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{msg: err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return words, nil
		}
		words = append(words, args[0])
		args = args[1:]
	}
}

func dataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hypercare")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "share", "hypercare")
}

func configDir() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "hypercare")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "hypercare")
}

// settings is config.toml: personal console settings, separate from the
// team's plan.
type settings struct {
	// Keys overrides bindings by action name: quit = ["ctrl+q"].
	Keys map[string][]string `toml:"keys"`
}

// loadSettings reads config.toml; a missing file means defaults.
func loadSettings(path string) (settings, error) {
	var s settings
	md, err := toml.DecodeFile(path, &s)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return s, fmt.Errorf("config %s: unknown setting %q; the file takes only a [keys] table", path, und[0].String())
	}
	return s, nil
}

// finish applies what the environment says after flags are read.
func (g *global) finish() {
	if os.Getenv("NO_COLOR") != "" {
		g.plain = true
	}
}

// loadKeys reads config.toml and builds the key map with its overrides.
func loadKeys(g global) (*keymaps.KeyMap, error) {
	set, err := loadSettings(g.config)
	if err != nil {
		return nil, err
	}
	keys, err := keymaps.New(set.Keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.config, err)
	}
	return keys, nil
}
