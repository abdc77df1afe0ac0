// Command baseline writes a project of the same shape as
// `gomicro new oddjob --non-interactive --no-git` (the paths, sizes and modes
// of golden/default) with nothing but the standard library, as the floor
// against which gomicro's start-up and write time are measured.
//
// Usage:
//
//	baseline [DIR]
//
// writes DIR/oddjob (DIR defaults to ".") and prints the line gomicro prints.
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
)

// files are golden/default's files: path, size in bytes and mode.
var files = []struct {
	path string
	size int
	mode fs.FileMode
}{
	{".circleci/config.yml", 4073, 0o644},
	{".github/dependabot.yml", 460, 0o644},
	{".gitignore", 186, 0o644},
	{".gomicro.yml", 1364, 0o644},
	{"README.md", 7339, 0o644},
	{"go.mod", 39, 0o644},
	{"main.go", 12087, 0o644},
	{"main_test.go", 13744, 0o644},
	{"oddjob.local.conf", 845, 0o644},
	{"scripts/build.sh", 5656, 0o755},
	{"scripts/gomicro-upgrade.sh", 11576, 0o755},
	{"scripts/lint.sh", 1109, 0o755},
	{"scripts/upload.sh", 16038, 0o755},
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("baseline: ")
	parent := "."
	if len(os.Args) > 1 {
		parent = os.Args[1]
	}
	dir := filepath.Join(parent, "oddjob")
	if err := os.Mkdir(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(name, bytes.Repeat([]byte{'x'}, f.size), f.mode); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("Template applied in %s\n", dir)
}
