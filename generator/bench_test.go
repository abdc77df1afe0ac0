package generator_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/testkit/gentest"
)

// BenchmarkNew is `gomicro new` without the CLI and git: load the embedded
// default template, take its defaults, render and write a fresh project to
// disk.
func BenchmarkNew(b *testing.B) {
	osfs := afero.NewOsFs()
	parent := b.TempDir()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tree := gentest.Render(b, "service", nil)
		dir := filepath.Join(parent, fmt.Sprint(i), "oddjob")
		i++
		if _, err := generator.Write(context.Background(), osfs, dir, tree, generator.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender is the render alone, in memory, of a loaded template.
func BenchmarkRender(b *testing.B) {
	tmpl := gentest.Load(b, "service")
	answers, err := tmpl.Resolve(context.Background(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := generator.Render(context.Background(), tmpl, answers); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad is the parse of every file of the default template, the part
// of BenchmarkNew that runs before any answer is known.
func BenchmarkLoad(b *testing.B) {
	fsys, err := embeddedService()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := generator.Load(fsys, "embedded:service"); err != nil {
			b.Fatal(err)
		}
	}
}
