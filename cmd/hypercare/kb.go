package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hypercare-ops/hypercare/kb"
	"github.com/hypercare-ops/hypercare/model"
)

// kbAction is one "hypercare kb ACTION": its words after the action, what
// it does, and the run. Words are positional (a folder, an article, two
// versions), so the kb family has its own small table rather than the
// one-ID record runner.
type kbAction struct {
	name, words, summary string
	nWords               int
	run                  func(ctx context.Context, k kbRun) error
}

// kbRun is what a kb action works with.
type kbRun struct {
	app   *app
	actor model.Actor
	words []string
	json  bool
	note  string // --comment
	w     io.Writer
}

var kbActions = []kbAction{
	{"import", "DIR", "import a folder of Markdown files with front matter; matched by slug, a changed file is a new version", 1, kbImport},
	{"export", "DIR", "write every article's newest version to DIR/SLUG.md; importing it again changes nothing", 1, kbExport},
	{"history", "SLUG|KB-n", "list an article's versions, newest first", 1, kbHistory},
	{"diff", "KB-n V1 V2", "show what changed from version V1 to V2", 3, kbDiff},
	{"restore", "KB-n V", "save a new draft version equal to version V", 2, kbRestore},
	kbStep(model.SubmitArticle, "send the newest version for review"),
	kbStep(model.ReviewArticle, "confirm a version in review, or that the published one still holds (not its author)"),
	kbStep(model.RejectArticle, "send the version in review back to draft, with --comment saying why (not its author)"),
	kbStep(model.PublishArticle, "publish the version in review; the one it replaces becomes outdated (leads, not its author)"),
	kbStep(model.RetireArticle, "retire the article (leads)"),
	{"read", "SLUG|KB-n", "record that you read the version in force", 1, kbRead},
	{"training", "", "who has read what is required of their role, and the completion", 0, kbTraining},
	{"handover", "", "draft a handover from the live state, to edit, submit and publish", 0, kbHandover},
}

const kbFooter = `
Flags: --json prints JSON; --comment TEXT goes with a step. The operator is
--as NAME from the plan (default: $USER's [[operator]], else a local admin).
Exit codes: 0 done, 1 refused or a file rejected, 2 usage error.
`

func kbUsage() string {
	var b strings.Builder
	b.WriteString("Usage: hypercare kb ACTION [ARGS] [--json]\n\nActions:\n")
	for _, a := range kbActions {
		fmt.Fprintf(&b, "  %-30s %s\n", strings.TrimSpace(a.name+" "+a.words), a.summary)
	}
	return b.String() + kbFooter
}

// runKB runs one kb action.
func runKB(g global, args []string, w io.Writer) error {
	var asJSON bool
	var comment string
	fs := g.flags("kb")
	fs.BoolVar(&asJSON, "json", false, "")
	fs.StringVar(&comment, "comment", "", "")
	words, err := parse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return cmdUsage{usage: kbUsage()}
	}
	if err != nil {
		return cmdUsage{usage: kbUsage(), msg: "kb: " + err.Error()}
	}
	if len(words) == 0 {
		return cmdUsage{usage: kbUsage(), msg: "kb: name an ACTION"}
	}
	i := slices.IndexFunc(kbActions, func(a kbAction) bool { return a.name == words[0] })
	if i < 0 {
		if words[0] == "help" {
			return cmdUsage{usage: kbUsage()}
		}
		return cmdUsage{usage: kbUsage(), msg: fmt.Sprintf("kb: unknown action %q", words[0])}
	}
	act := kbActions[i]
	if len(words)-1 != act.nWords {
		return cmdUsage{usage: kbUsage(), msg: fmt.Sprintf("kb %s takes %s", act.name, orNothing(act.words))}
	}
	ctx, a, actor, done, err := openAsOperator(g)
	if err != nil {
		return err
	}
	defer done()
	return act.run(ctx, kbRun{app: a, actor: actor, words: words[1:], json: asJSON, note: comment, w: w})
}

func orNothing(words string) string {
	if words == "" {
		return "no arguments"
	}
	return words
}

// article finds the article a word names: KB-n, n or a slug.
func (k kbRun) article(ctx context.Context, word string) (model.Article, error) {
	if id, err := parseID("articles", word); err == nil {
		ar, err := k.app.db.Article(ctx, id)
		return ar, notFound("KB", id, err)
	}
	ar, err := k.app.db.ArticleBySlug(ctx, word)
	if errors.Is(err, model.ErrNotFound) {
		return ar, fmt.Errorf("no article has the slug %q; 'hypercare list articles' lists them", word)
	}
	return ar, err
}

// versionNumber reads a version number: 3 or v3.
func versionNumber(word string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(word), "v"))
	if err != nil || n <= 0 {
		return 0, usagef("%q is not a version: give its number, such as 2 or v2", word)
	}
	return n, nil
}

// kbImport imports a folder: every file is reported, and a rejected one
// makes the exit code 1 after the rest are imported.
func kbImport(ctx context.Context, k kbRun) error {
	dir := k.words[0]
	files, err := kb.ReadDir(os.DirFS(dir), ".", func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) })
	if err != nil {
		return err
	}
	type line struct {
		File    string `json:"file"`
		Outcome string `json:"outcome"`
		Ref     string `json:"ref,omitzero"`
		Version int    `json:"version,omitzero"`
		Reason  string `json:"reason,omitzero"`
	}
	var out []line
	var items []model.ImportItem
	for _, f := range files {
		shown := filepath.Join(dir, filepath.FromSlash(f.Path))
		if f.Err != nil {
			out = append(out, line{File: shown, Outcome: string(model.ImportRejected), Reason: f.Err.Error()})
			continue
		}
		items = append(items, model.ImportItem{Source: shown, Article: f.Article})
	}
	results, err := k.app.desk.ImportArticles(ctx, k.actor, items)
	if err != nil {
		return err
	}
	for _, r := range results {
		l := line{File: r.Source, Outcome: string(r.Outcome), Ref: r.Version.Ref(), Version: r.Version.Version}
		if r.Err != nil {
			l.Ref, l.Version, l.Reason = "", 0, r.Source+": "+r.Err.Error()
		}
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(a, b line) int { return strings.Compare(a.File, b.File) })
	count := map[string]int{}
	for _, l := range out {
		count[l.Outcome]++
	}
	if k.json {
		if err := writeJSON(k.w, out); err != nil {
			return err
		}
	} else {
		for _, l := range out {
			switch {
			case l.Reason != "":
				fmt.Fprintf(k.w, "rejected   %s\n", l.Reason)
			default:
				fmt.Fprintf(k.w, "%-10s %s v%d  %s\n", l.Outcome, l.Ref, l.Version, l.File)
			}
		}
		fmt.Fprintf(k.w, "%d created, %d updated, %d unchanged, %d rejected\n",
			count["created"], count["updated"], count["unchanged"], count["rejected"])
	}
	if n := count["rejected"]; n > 0 {
		return fmt.Errorf("kb import: %d file(s) rejected; fix them and import again (the others are in)", n)
	}
	return nil
}

// kbExport writes each article's newest version, state included, so an
// import of the folder finds nothing changed.
func kbExport(ctx context.Context, k kbRun) error {
	hits, err := k.app.db.Articles(ctx, model.ArticleQuery{All: true})
	if err != nil {
		return err
	}
	list := make([]model.Article, 0, len(hits))
	for _, h := range hits {
		ar := h.Article
		if ar.Latest != ar.Version {
			v, err := k.app.db.ArticleVersion(ctx, ar.ID, ar.Latest)
			if err != nil {
				return err
			}
			ar = v.Article
		}
		list = append(list, ar)
	}
	written, err := kb.WriteDir(k.words[0], list)
	if err != nil {
		return err
	}
	if k.json {
		return writeJSON(k.w, written)
	}
	_, err = fmt.Fprintf(k.w, "%d articles written to %s\n", len(written), k.words[0])
	return err
}

func kbHistory(ctx context.Context, k kbRun) error {
	ar, err := k.article(ctx, k.words[0])
	if err != nil {
		return err
	}
	versions, err := k.app.db.ArticleVersions(ctx, ar.ID)
	if err != nil {
		return err
	}
	if k.json {
		return writeJSON(k.w, versions)
	}
	loc := k.app.plan.Plan().Location()
	fmt.Fprintf(k.w, "%s %s (%s)\n", ar.Ref(), ar.Title, ar.Slug)
	for _, v := range versions {
		mark := " "
		if v.Version == ar.Version {
			mark = "*" // in force
		}
		line := fmt.Sprintf("%s v%-3d %-9s %s  %s", mark, v.Version, v.State, v.UpdatedAt.In(loc).Format("2006-01-02 15:04"), v.Author)
		if v.ReviewedBy != "" {
			line += "  reviewed by " + v.ReviewedBy
		}
		if v.Note != "" {
			line += "  (" + v.Note + ")"
		}
		fmt.Fprintln(k.w, line)
	}
	return nil
}

func kbDiff(ctx context.Context, k kbRun) error {
	ar, err := k.article(ctx, k.words[0])
	if err != nil {
		return err
	}
	from, err := versionNumber(k.words[1])
	if err != nil {
		return err
	}
	to, err := versionNumber(k.words[2])
	if err != nil {
		return err
	}
	diff, err := k.app.desk.DiffArticle(ctx, ar.ID, from, to)
	if err != nil {
		return err
	}
	if diff == "" {
		diff = fmt.Sprintf("%s v%d and v%d say the same\n", ar.Ref(), from, to)
	}
	_, err = io.WriteString(k.w, diff)
	return err
}

func kbRestore(ctx context.Context, k kbRun) error {
	ar, err := k.article(ctx, k.words[0])
	if err != nil {
		return err
	}
	n, err := versionNumber(k.words[1])
	if err != nil {
		return err
	}
	v, err := k.app.desk.RestoreArticle(ctx, k.actor, ar.ID, n)
	if err != nil {
		return err
	}
	if k.json {
		return writeJSON(k.w, v)
	}
	_, err = fmt.Fprintf(k.w, "%s v%d restored from v%d: a draft; submit it for review to publish it\n", v.Ref(), v.Version, n)
	return err
}

// kbStep is a lifecycle step on an article.
func kbStep(act model.ArticleAction, summary string) kbAction {
	return kbAction{string(act), "SLUG|KB-n", summary, 1, func(ctx context.Context, k kbRun) error {
		ar, err := k.article(ctx, k.words[0])
		if err != nil {
			return err
		}
		after, err := k.app.desk.StepArticle(ctx, k.actor, ar.ID, act, k.note)
		if err != nil {
			return err
		}
		if k.json {
			return writeJSON(k.w, after)
		}
		_, err = fmt.Fprintf(k.w, "%s %s: v%d in force, %s (newest v%d)\n", after.Ref(), act, after.Version, after.State, after.Latest)
		return err
	}}
}

func kbRead(ctx context.Context, k kbRun) error {
	ar, err := k.article(ctx, k.words[0])
	if err != nil {
		return err
	}
	r, err := k.app.desk.ReadArticle(ctx, k.actor, ar.ID)
	if err != nil {
		return err
	}
	if k.json {
		return writeJSON(k.w, r)
	}
	_, err = fmt.Fprintf(k.w, "%s v%d read by %s\n", ar.Ref(), r.Version, r.Operator)
	return err
}

// kbTraining brings the roster in line with the plan, then prints the
// matrix: a row per operator, a column per required article; "✓" read in
// the version in force, "vN" an older version read, "·" unread, blank not
// required of their role.
func kbTraining(ctx context.Context, k kbRun) error {
	if err := k.app.desk.SyncRoster(ctx, model.System, k.app.plan.Plan().Roster()); err != nil {
		return err
	}
	t, err := k.app.desk.Training(ctx)
	if err != nil {
		return err
	}
	if k.json {
		return writeJSON(k.w, t)
	}
	if len(t.Articles) == 0 {
		_, err := fmt.Fprintln(k.w, "no article is required reading: set required_for in an article's front matter, or publish a handover")
		return err
	}
	for i, ar := range t.Articles {
		fmt.Fprintf(k.w, "[%d] %s v%d %s\n", i+1, ar.Ref(), ar.Version, ar.Title)
	}
	width := 8
	for _, r := range t.Rows {
		width = max(width, len(r.Name)+len(r.Role.String())+3)
	}
	fmt.Fprintf(k.w, "\n%-*s", width, "operator")
	for i := range t.Articles {
		fmt.Fprintf(k.w, " %4s", fmt.Sprintf("[%d]", i+1))
	}
	fmt.Fprintln(k.w, "  done")
	for _, r := range t.Rows {
		fmt.Fprintf(k.w, "%-*s", width, fmt.Sprintf("%s (%s)", r.Name, r.Role))
		for _, c := range r.Cells {
			cell := ""
			switch {
			case !c.Required:
			case c.Current:
				cell = "✓"
			case c.Read > 0:
				cell = fmt.Sprintf("v%d", c.Read)
			default:
				cell = "·"
			}
			fmt.Fprintf(k.w, " %s%s", strings.Repeat(" ", 4-utf8.RuneCountInString(cell)), cell)
		}
		fmt.Fprintf(k.w, "  %s\n", r.Done.Percent())
	}
	_, err = fmt.Fprintf(k.w, "\ncompletion %s (%d of %d readings)\n", t.Completion.Percent(), t.Completion.N, t.Completion.Of)
	return err
}

// kbHandover drafts a handover and says where to edit it: the console's
// knowledge pane, or the file an export writes it to.
func kbHandover(ctx context.Context, k kbRun) error {
	ho, err := k.app.desk.DraftHandover(ctx, k.actor)
	if err != nil {
		return err
	}
	file := ho.Slug + ".md"
	if k.json {
		return writeJSON(k.w, struct {
			Ref  string `json:"ref"`
			File string `json:"file"` // its name in a kb export folder
			model.Article
		}{ho.Ref(), file, ho})
	}
	_, err = fmt.Fprintf(k.w, "%s v%d drafted: %s\nedit it in the knowledge pane, or as %s in a 'hypercare kb export DIR' folder and 'kb import DIR' it back;\nthen 'hypercare kb submit %s' and a lead publishes it\n",
		ho.Ref(), ho.Version, ho.Title, file, ho.Ref())
	return err
}
