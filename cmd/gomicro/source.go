package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/templates"
)

const (
	defaultTemplate = "service"
	embeddedPrefix  = "embedded:"
)

// loadTemplate finds a template by the --template value: a directory, or the
// name of an embedded template (with or without "embedded:").
func loadTemplate(src string) (*generator.Template, error) {
	if src == "" {
		src = embeddedPrefix + defaultTemplate
	}
	name, embedded := strings.CutPrefix(src, embeddedPrefix)
	if !embedded {
		if info, err := os.Stat(src); err == nil {
			if !info.IsDir() {
				return nil, fmt.Errorf("template %s: not a directory", src)
			}
			abs, err := filepath.Abs(src)
			if err != nil {
				return nil, err
			}
			return generator.Load(os.DirFS(abs), abs)
		}
		if strings.ContainsAny(src, `/\.`) {
			return nil, fmt.Errorf("template %s: no such directory", src)
		}
	}
	fsys, err := templates.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("template %q: not a directory nor an embedded template (embedded: %s)", src, strings.Join(templates.Names(), ", "))
	}
	return generator.Load(fsys, embeddedPrefix+name)
}
