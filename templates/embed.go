// Package templates holds the template trees built into gomicro, so the binary
// works offline with nothing else installed.
package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

// all: keeps dot files such as .gitignore and .circleci/ in the embedded tree.
//
//go:embed all:service
var trees embed.FS

// history holds every released version of every embedded template, as
// history/NAME-VERSION/, byte for byte. gomicro upgrade renders the version a
// project was generated from as the base of its three-way merge, so a
// released version is never changed or removed; TestHistory fails when a
// template's tree changes without a new version and snapshot.
//
//go:embed all:history
var history embed.FS

// Lookup returns the embedded template tree called name, rooted at its
// template.yaml.
func Lookup(name string) (fs.FS, error) {
	sub, err := fs.Sub(trees, name)
	if err != nil {
		return nil, err
	}
	if _, err := fs.Stat(sub, "template.yaml"); err != nil {
		return nil, fmt.Errorf("no embedded template %q (have %v)", name, Names())
	}
	return sub, nil
}

// Snapshot returns the tree of template name as released at version.
func Snapshot(name, version string) (fs.FS, error) {
	dir := "history/" + name + "-" + version
	if _, err := fs.Stat(history, dir+"/template.yaml"); err != nil {
		return nil, fmt.Errorf("no snapshot of template %s %s in this gomicro", name, version)
	}
	return fs.Sub(history, dir)
}

// Names lists the embedded templates, sorted.
func Names() []string {
	entries, _ := trees.ReadDir(".")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}
