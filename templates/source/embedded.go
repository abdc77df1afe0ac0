package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/gomicro/gomicro/templates"
)

// EmbeddedPrefix marks an embedded template's name: embedded:NAME is never
// a directory of the same name.
const EmbeddedPrefix = "embedded:"

// embeddedName is a word that can only be an embedded template's name: no
// dot (a module path's first element has one), slash, colon or @.
var embeddedName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`) })

// embeddedKind is a template built into gomicro. It has no revisions of its
// own: a project records the template's version, and templates.Snapshot
// keeps every released version.
type embeddedKind struct{}

func (embeddedKind) parse(s string) (Spec, bool, error) {
	name, prefixed := strings.CutPrefix(s, EmbeddedPrefix)
	if !prefixed {
		// A bare word is a name only when no directory of that name is
		// here: the directory kind takes it otherwise, as gomicro always has.
		if !embeddedName().MatchString(s) {
			return Spec{}, false, nil
		}
		if _, err := os.Lstat(s); err == nil {
			return Spec{}, false, nil
		}
	}
	if !slices.Contains(templates.Names(), name) {
		if !prefixed {
			return Spec{}, false, fmt.Errorf("not a directory nor an embedded template (embedded: %s)", embeddedNames())
		}
		if _, _, hasRef := strings.Cut(name, "@"); hasRef {
			return Spec{}, false, fmt.Errorf("an embedded template takes no @REF (its version is gomicro's; embedded: %s)", embeddedNames())
		}
		return Spec{}, false, fmt.Errorf("no embedded template %q (embedded: %s)", name, embeddedNames())
	}
	return Spec{Location: name}, true, nil
}

func (embeddedKind) format(s Spec) string {
	return EmbeddedPrefix + joinSource(s.Location, s.Subdir, s.Ref)
}

func (embeddedKind) open(_ context.Context, s Spec) (Tree, error) {
	if s.Ref != "" || s.Subdir != "" {
		return Tree{}, errors.New("an embedded template takes no SUBDIR or @REF")
	}
	fsys, err := templates.Lookup(s.Location)
	if err != nil {
		return Tree{}, fmt.Errorf("no embedded template %q (embedded: %s)", s.Location, embeddedNames())
	}
	return Tree{FS: fsys}, nil
}

// openRevision opens the snapshot of the template as released at revision,
// the template version a project records.
func (embeddedKind) openRevision(_ context.Context, s Spec, revision string) (fs.FS, error) {
	if revision == "" {
		return nil, errors.New("an embedded template's revision is its version, and none was given")
	}
	return templates.Snapshot(s.Location, revision)
}

func embeddedNames() string {
	return strings.Join(templates.Names(), ", ")
}
