// Package given collects the answers a command line gives before any
// question is asked: --answers FILE, then each --set key=value over it.
// new, upgrade and adopt take them the same way.
package given

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gomicro/gomicro/generator"
	"github.com/gomicro/gomicro/internal/bytesize"
	"github.com/gomicro/gomicro/internal/quote"
)

// maxFile bounds an answers file: a map of a few dozen answers, or another
// project's .gomicro.yml (see fleet's maxManifest).
const maxFile = 16 << 20

// Answers reads file (none when "") and lays the --set pairs over it. The
// problems are usage errors, one line each, every one found. Another
// project's .gomicro.yml gives its answers less its name and its defaults
// (see generator.Template.ForAnotherProject).
func Answers(ctx context.Context, tmpl *generator.Template, file string, pairs []string) (map[string]string, []string) {
	set, problems := Set(pairs)
	if file == "" {
		return set, problems
	}
	fromFile, manifest, err := File(file)
	if err == nil && manifest {
		fromFile, err = tmpl.ForAnotherProject(ctx, fromFile)
	}
	if err != nil {
		return set, append(problems, err.Error())
	}
	for k, v := range fromFile {
		if _, over := set[k]; !over {
			set[k] = v
		}
	}
	return set, problems
}

// File reads an answers file (see generator.ReadAnswersFile); its errors
// name it.
func File(name string) (set map[string]string, manifest bool, err error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, false, fmt.Errorf("--answers %s: %v", quote.Name(name), pathReason(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	switch {
	case err != nil:
		return nil, false, fmt.Errorf("--answers %s: %v", quote.Name(name), pathReason(err))
	case len(data) > maxFile:
		return nil, false, fmt.Errorf("--answers %s: larger than %s, the most gomicro reads as answers", quote.Name(name), bytesize.String(maxFile))
	}
	set, manifest, err = generator.ReadAnswersFile(data)
	if err != nil {
		return nil, false, fmt.Errorf("--answers %s: %s", quote.Name(name), strings.ReplaceAll(err.Error(), "\n", "\n--answers "+quote.Name(name)+": "))
	}
	return set, manifest, nil
}

// pathReason is an open or read error without the path it repeats.
func pathReason(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// Set turns repeated --set key=value flags into a map, and returns every
// malformed one, one line each.
func Set(pairs []string) (map[string]string, []string) {
	set := make(map[string]string, len(pairs))
	var problems []string
	for _, kv := range pairs {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			problems = append(problems, fmt.Sprintf("--set %q: expected key=value", kv))
			continue
		}
		if old, dup := set[key]; dup && old != value {
			problems = append(problems, fmt.Sprintf("--set %s given twice (%q and %q)", key, old, value))
			continue
		}
		set[key] = value
	}
	return set, problems
}
