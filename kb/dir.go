package kb

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hypercare-ops/hypercare/model"
)

// File is one article file of a folder: the article, or why it cannot be
// read.
type File struct {
	Path    string // slash-separated, relative to the folder
	Article model.Article
	Err     error
}

// ReadDir reads every Markdown file (.md, .markdown) under root in fsys,
// subfolders included and hidden ones (.git, .obsidian) left out, in
// path order. A file whose slug an earlier file already has is an error
// that names both; display turns a path into what errors should say
// (the folder the user named joined to it).
func ReadDir(fsys fs.FS, root string, display func(string) string) ([]File, error) {
	var files []File
	first := map[string]string{} // slug → "file:line" of its first file
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != root {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || (path.Ext(p) != ".md" && path.Ext(p) != ".markdown") {
			return nil
		}
		name := display(p)
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			files = append(files, File{Path: p, Err: fmt.Errorf("%s: %w", name, err)})
			return nil
		}
		parsed, err := parse(name, data)
		f := File{Path: p, Article: parsed.Article, Err: err}
		if err == nil {
			slug := parsed.Article.Slug
			if at, dup := first[slug]; dup {
				f.Err = &Error{File: name, Line: parsed.SlugLine, Field: "slug",
					Msg: fmt.Sprintf("%q is also the slug of %s; give one of them another slug", slug, at)}
			} else {
				first[slug] = fmt.Sprintf("%s:%d", name, parsed.SlugLine)
			}
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", display(root), err)
	}
	return files, nil
}

// WriteDir writes each article to dir as SLUG.md, creating dir, and
// returns the paths written.
func WriteDir(dir string, articles []model.Article) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var written []string
	for _, ar := range articles {
		data, err := Write(ar)
		if err != nil {
			return written, err
		}
		p := filepath.Join(dir, ar.Slug+".md")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return written, fmt.Errorf("export %s: %w", ar.Ref(), err)
		}
		written = append(written, p)
	}
	return written, nil
}
