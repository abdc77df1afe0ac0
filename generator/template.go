// Package generator is gomicro's engine: it loads a template tree from any
// fs.FS, resolves and validates the answers, renders the project in memory and
// writes it through an afero.Fs. It knows nothing of terminals: questions that
// need a person go through the Prompter the caller supplies.
//
// The story of a new project, top to bottom:
//
//	tmpl, _ := generator.Load(fsys, source)          // template.go
//	answers, _ := tmpl.Resolve(set, prompter)        // answers.go
//	tree, _ := generator.Render(tmpl, answers)       // render.go
//	_, _ = generator.Write(ctx, fs, dir, tree, opts) // write.go
//
// And of an upgrade:
//
//	old, _ := generator.ReadManifest(data)           // manifest.go
//	u, _ := generator.Upgrade(ctx, request)          // upgrade.go: answers, theirs, the base
//	                                                 // plan.go: every path decided, then
//	                                                 // what is in the way, then sidecars;
//	                                                 // merge.go: the decision for one file
//	                                                 // rename.go: files the template moved
//	_ = u.Plan.Apply(ctx, fs, dir)                   // apply.go: staged, then deleted and renamed
//
// The helpers of the story each live in a file named for them: funcs.go
// (the functions a template may call), limits.go (Limits, and the functions
// that would allocate past them), guard.go (the wrapper that bounds what
// every function builds), exec.go (one execution within the limits),
// walk.go (the walk of a parsed template), machine.go (what a default may
// read of this machine), disk.go (what is on disk at a path, never
// following a symlink), undo.go (what a write did, to take it back),
// lint.go and combinations.go (for gomicro template lint and test),
// owned.go (once:, exclude: and skip:: the files a team owns, and those a
// template does not ship), diff.go (gomicro diff: a project against the
// release it recorded) and answersfile.go (the answers of --answers FILE).
//
// questions.go holds the richer questions: multi, int and secret questions,
// validate's pattern, and how their answers are parsed, recorded and shown.
package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/semver"

	"github.com/gomicro/gomicro/internal/quote"
	"github.com/gomicro/gomicro/internal/rules"
)

// ConfigFile is the file at a template tree's root that describes it. It is
// never copied into the project.
const ConfigFile = "template.yaml"

// Template is a loaded template tree: its description, its questions in the
// order they are asked, and its files parsed and ready to render.
type Template struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Version     string     `yaml:"version"`
	Questions   []Question `yaml:"questions"`
	// Verbatim lists globs (path.Match per segment, ** for any depth) of files
	// copied as they are, for files that contain {{ }} meant for another tool.
	Verbatim []string `yaml:"verbatim"`
	// Conditions maps a path in the tree (a file, or a directory and all it
	// holds) to an expression: the path is written only when it renders
	// "true". File names cannot hold the quotes a comparison needs (Go
	// module zips and go:embed refuse them), so conditions live here.
	Conditions map[string]string `yaml:"conditions"`
	// Checks are shell commands that show a rendered project works (its
	// vet, tests, build): `gomicro template test` runs each with bash -c in
	// every combination of the answers, in order, stopping at the first
	// that fails. Rendering ignores them.
	Checks []string `yaml:"checks"`
	// NextSteps are what a person does after `gomicro new`, one shell line
	// each (a comment for what is not a command), rendered with the answers;
	// a line that renders empty is left out. gomicro prints them, after its
	// own cd and git remote lines, before the closing line.
	NextSteps []string `yaml:"next_steps"`
	// Once and Exclude are patterns in .gitignore syntax (see owned.go):
	// Once names project files that new writes and upgrade never touches,
	// Exclude files of the tree that are not part of the render.
	Once    []string `yaml:"once"`
	Exclude []string `yaml:"exclude"`
	// Moved maps a project path an earlier version rendered to the path
	// this version renders instead (OLD: NEW), for an upgrade to carry the
	// team's edits along where the content changed too much for rename
	// detection to find the move (see rename.go).
	Moved map[string]string `yaml:"moved"`

	// Source says where the tree came from (embedded:NAME, a directory, a
	// git URL or a Go module, as typed); it is recorded in the project's
	// answers file.
	Source string `yaml:"-"`
	// Revision is the immutable revision Source resolved to (a full commit
	// id, a module version), recorded so that an upgrade renders its base
	// from exactly that; "" where the source has none (embedded templates
	// are found by Version, directories by the project's git history).
	Revision string `yaml:"-"`

	// Limits bound every execution of the tree's text; zero fields take
	// DefaultLimits. The CLI sets them after Load.
	Limits Limits `yaml:"-"`
	// Machine is what a question's default may ask about this machine
	// (gitConfig, goVersion); nil asks nothing. The CLI sets it after Load.
	Machine Machine `yaml:"-"`
	// UserDefaults are the user's own default answers (gomicro's config
	// file), by question key: they take the place of the template's
	// default for the questions it asks, below --set and recorded answers.
	// Keys the template does not ask are ignored.
	UserDefaults map[string]string `yaml:"-"`
	// Environ looks up the environment variable a secret question names
	// (Question.Env) where nobody is asked it: upgrade and a resolve
	// without a prompter. nil: no variable is set. The CLI sets it after
	// Load; a template never reads the environment itself.
	Environ func(key string) (string, bool) `yaml:"-"`

	files      []sourceFile
	late       *sync.Mutex // guards the bodies parsed late (see deferred.go)
	defines    bool        // a text of the tree defines a template (see LoadAgainst)
	conditions []condition // sorted by path
	owned      owned       // Once and Exclude, parsed
	nextSteps  []*template.Template
	ns         namespace
}

// condition is one parsed entry of Conditions.
type condition struct {
	path  string
	label string // "condition for PATH", named when a render times out
	expr  *template.Template
}

// Question is one entry of template.yaml's questions list.
type Question struct {
	Name     string   `yaml:"name"`
	Prompt   string   `yaml:"prompt"`
	Help     string   `yaml:"help"`
	Default  string   `yaml:"default"`
	Type     string   `yaml:"type"`
	Choices  []string `yaml:"choices"`
	Validate string   `yaml:"validate"`
	When     string   `yaml:"when"`
	// Min and Max bound an int question; Secret and Env make a secret
	// question, and Pattern and Message are validate's pattern form (see
	// questions.go).
	Min     *int   `yaml:"min"`
	Max     *int   `yaml:"max"`
	Secret  bool   `yaml:"secret"`
	Env     string `yaml:"env"`
	Pattern string `yaml:"-"`
	Message string `yaml:"-"`

	defaultTmpl *template.Template
	whenTmpl    *template.Template
	richer      richer
}

// Question types.
const (
	TypeString = "string"
	TypeBool   = "bool"
	TypeChoice = "choice"
)

// sourceFile is one file of the tree, parsed at load time so that every
// render (a new project, both sides of an upgrade) only executes.
type sourceFile struct {
	src      string               // path in the template tree
	segments []*template.Template // the output path, one template per segment; nil for plain text
	names    []string             // the segments as written
	body     *template.Template   // nil for verbatim files, and deferred ones until rendered
	raw      []byte
	mode     fs.FileMode
	// deferred: the body is parsed when first rendered (see deferred.go).
	deferred bool
}

// vcsNames are the version-control metadata names never part of a template,
// at any depth of the tree.
var vcsNames = map[string]bool{".git": true, ".hg": true, ".svn": true}

// skipVCS reports whether a walk of a template tree passes d by, and
// what it returns for it: a template directory may be a checkout, and a
// .git file (a worktree's or submodule's pointer to its repository) is
// skipped like a .git directory.
func skipVCS(d fs.DirEntry) (bool, error) {
	switch {
	case !isVCSName(d.Name()):
		return false, nil
	case d.IsDir():
		return true, fs.SkipDir
	}
	return true, nil
}

// isVCSName reports whether a path segment names version-control metadata,
// in any case: on a case-insensitive file system .GIT is .git.
func isVCSName(seg string) bool {
	return vcsNames[strings.ToLower(seg)]
}

// reservedName reports how a path segment names what gomicro writes in a
// project itself, or "": its answers file, the new version an upgrade
// writes beside an edited file, its temporary files. A template that
// shipped such a name would pass for gomicro's own (a leftover sidecar
// blocks every upgrade) or be overwritten by it. Compared in any case: on a
// case-insensitive file system .GOMICRO.YML is .gomicro.yml.
func reservedName(seg string) string {
	s := strings.ToLower(seg)
	switch {
	case s == ManifestFile:
		return "is gomicro's answers file, which gomicro writes itself"
	case strings.HasSuffix(s, SidecarSuffix):
		return reservedSuffixRule
	case strings.HasPrefix(s, reservedPrefix):
		return reservedPrefixRule
	}
	return ""
}

// reservedPrefix starts the names of gomicro's temporary files and
// directories (.gomicro-tmp-*, .gomicro-staging-*).
const (
	reservedPrefix     = ".gomicro-"
	reservedPrefixRule = "starts with " + reservedPrefix + ", which gomicro reserves for its own temporary files"
	reservedSuffixRule = "ends in " + SidecarSuffix + ", which gomicro reserves for the new version an upgrade writes beside an edited file"
)

// reservedSegment is reservedName for a file-name segment as parsed, as far
// as it can tell before a render: the whole name when it is plain text,
// else the text it starts and ends with. Render checks what names render to.
func reservedSegment(t *parse.Tree) string {
	if t == nil || t.Root == nil || len(t.Root.Nodes) == 0 {
		return ""
	}
	nodes := t.Root.Nodes
	text := func(n parse.Node) string {
		if tn, ok := n.(*parse.TextNode); ok {
			return strings.ToLower(string(tn.Text))
		}
		return ""
	}
	switch {
	case len(nodes) == 1:
		return reservedName(text(nodes[0]))
	case strings.HasPrefix(text(nodes[0]), reservedPrefix):
		return reservedPrefixRule
	case strings.HasSuffix(text(nodes[len(nodes)-1]), SidecarSuffix):
		return reservedSuffixRule
	}
	return ""
}

// isQuestionKey reports whether name is a question's name, one that
// templates can write as {{ .name }}: [A-Za-z_][A-Za-z0-9_]*. (Checked by
// hand, not by a regexp compiled at every start of gomicro.)
func isQuestionKey(name string) bool {
	for i, c := range []byte(name) {
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return name != ""
}

// Load reads template.yaml and every file of the tree in fsys. It reports
// every problem it finds in the tree at once.
func Load(fsys fs.FS, source string) (*Template, error) {
	return load(fsys, source, nil)
}

// load is Load, leaving unparsed the bodies of the files deferred names
// (nil: none) until they are rendered.
func load(fsys fs.FS, source string, deferred func(src string, raw []byte, mode fs.FileMode) bool) (*Template, error) {
	data, err := fs.ReadFile(fsys, ConfigFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("template %s: no %s at its root", source, ConfigFile)
		}
		return nil, fmt.Errorf("template %s: %w", source, err)
	}
	t := &Template{Source: source, late: new(sync.Mutex)}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(t); err != nil && !errors.Is(err, io.EOF) { // empty: checkConfig says what is missing
		return nil, fmt.Errorf("template %s: %s: %s", source, ConfigFile, yamlMessage(err))
	}
	ld := &loading{calls: map[string]bool{}}
	var problems []string
	problems = append(problems, t.checkConfig(ld)...)
	problems = append(problems, t.loadOwned()...)
	problems = append(problems, t.loadFiles(ld, fsys, deferred)...)
	problems = append(problems, t.loadConditions(ld)...)
	problems = append(problems, t.checkMoved()...)
	if len(problems) > 0 {
		for i, p := range problems {
			problems[i] = fmt.Sprintf("template %s: %s", source, p)
		}
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	ld.finish(t)
	return t, nil
}

// loading holds what Load has parsed of a tree: its texts, in the order
// they join the tree's namespace, and the functions they call, of which the
// namespace is made once all are parsed (see namespace). A tree with a
// problem gets none.
type loading struct {
	texts []parsedText
	calls map[string]bool
	// defines: a text defines a template (define, block) that another
	// could call.
	defines bool
}

// parsedText is one text of the tree as parseText parsed it: the template
// called name and those it defines, and where the template goes.
type parsedText struct {
	name  string
	trees map[string]*parse.Tree
	set   func(*template.Template)
}

// parse parses text, whose template set is given once the namespace is
// made, and returns its tree.
func (ld *loading) parse(name, text string, set func(*template.Template)) (*parse.Tree, error) {
	return ld.parseText(name, text, false, set)
}

// parseDefault is parse for a question's default, the one text that may
// call the machine functions (see Machine).
func (ld *loading) parseDefault(name, text string, set func(*template.Template)) (*parse.Tree, error) {
	return ld.parseText(name, text, true, set)
}

func (ld *loading) parseText(name, text string, readsMachine bool, set func(*template.Template)) (*parse.Tree, error) {
	trees, err := parseText(name, text)
	if err != nil {
		return nil, err
	}
	calls := map[string]bool{}
	calledFuncs(trees, calls)
	if !readsMachine {
		for _, f := range machineFuncs {
			if calls[f] {
				return nil, fmt.Errorf("%s reads this machine: only a question's default may call it", f)
			}
		}
	} else if calls["gitConfig"] || calls[anyFunc] {
		if err := checkGitKeys(trees); err != nil {
			return nil, err
		}
	}
	maps.Copy(ld.calls, calls)
	ld.defines = ld.defines || len(trees) > 1
	ld.texts = append(ld.texts, parsedText{name, trees, set})
	return trees[name], nil
}

// finish makes t's namespace and gives every text its template.
func (ld *loading) finish(t *Template) {
	t.defines = ld.defines
	t.ns = ld.adopt(t)
}

// adopt makes a namespace of t's for the texts ld parsed, with the
// functions they call, and gives every text its template there.
func (ld *loading) adopt(t *Template) namespace {
	ns := newNamespace(func() int64 { return t.Limits.withDefaults().MaxOutput }, func() Machine { return t.Machine }, ld.calls)
	for _, p := range ld.texts {
		p.set(ns.adopt(p.name, p.trees))
	}
	return ns
}

func yamlMessage(err error) string {
	return strings.TrimPrefix(strings.ReplaceAll(err.Error(), "\n ", ""), "yaml: ")
}

// checkConfig validates template.yaml's fields and parses the templates its
// questions hold (defaults and when-conditions).
func (t *Template) checkConfig(ld *loading) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, ConfigFile+": "+fmt.Sprintf(format, args...))
	}
	if t.Name == "" {
		bad("name is required")
	}
	if t.Version == "" {
		bad("version is required")
	} else if !semver.IsValid("v" + t.Version) {
		bad("version %q is not a semantic version like 1.2.0 (upgrade compares versions)", t.Version)
	}
	// order holds where each question is asked, so a default or when can be
	// checked against the answers it will actually see.
	order := make(map[string]int, len(t.Questions))
	for i, q := range t.Questions {
		if _, dup := order[q.Name]; !dup && q.Name != "" {
			order[q.Name] = i
		}
	}
	seen := map[string]bool{}
	for i := range t.Questions {
		problems = append(problems, t.checkQuestion(ld, i, order, seen)...)
	}
	for i, c := range t.Checks {
		if strings.TrimSpace(c) == "" {
			bad("checks[%d]: empty command", i)
		}
	}
	t.nextSteps = make([]*template.Template, len(t.NextSteps))
	for i, step := range t.NextSteps {
		tree, err := ld.parse(fmt.Sprintf("next_steps[%d]", i), step, func(s *template.Template) { t.nextSteps[i] = s })
		if err != nil {
			bad("next_steps[%d]: %v", i, err)
			continue
		}
		problems = append(problems, t.undefinedRefs(fmt.Sprintf("%s: next_steps[%d]", ConfigFile, i), tree)...)
		problems = append(problems, t.secretRefs(fmt.Sprintf("%s: next_steps[%d]", ConfigFile, i), tree)...)
	}
	for _, g := range t.Verbatim {
		if _, err := path.Match(strings.ReplaceAll(g, "**", "*"), ""); err != nil {
			bad("verbatim glob %q: %v", g, err)
		}
	}
	return problems
}

// checkQuestion validates question i, fills in its prompt, type and bool
// default where template.yaml leaves them out, and parses its default and
// when-condition. order says where each question is asked; seen holds the
// names of the questions checked before it.
func (t *Template) checkQuestion(ld *loading, i int, order map[string]int, seen map[string]bool) []string {
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, ConfigFile+": "+fmt.Sprintf(format, args...))
	}
	q := &t.Questions[i]
	where := fmt.Sprintf("questions[%d]", i)
	if q.Name == "" {
		bad("%s: name is required", where)
		return problems
	}
	where = fmt.Sprintf("question %q", q.Name)
	if !isQuestionKey(q.Name) {
		bad("%s: names use letters, digits and '_' and start with a letter or '_', so templates can say {{ .%s }}", where, q.Name)
	}
	if seen[q.Name] {
		bad("%s: asked twice", where)
	}
	seen[q.Name] = true
	if q.Prompt == "" {
		q.Prompt = q.Name
	}
	switch {
	case q.Type == "" && len(q.Choices) > 0:
		q.Type = TypeChoice
	case q.Type == "":
		q.Type = TypeString
	case !slices.Contains(questionTypes, q.Type):
		bad("%s: type %q is not one of %s", where, q.Type, strings.Join(questionTypes, ", "))
	}
	problems = append(problems, q.checkRicher(where)...)
	if q.Type == TypeChoice && len(q.Choices) == 0 {
		bad("%s: type choice needs choices", where)
	}
	if q.Type == TypeChoice && q.Default != "" && !strings.Contains(q.Default, "{{") && !slices.Contains(q.Choices, q.Default) {
		bad("%s: default %q is not one of its choices %s", where, q.Default, strings.Join(q.Choices, ", "))
	}
	if q.Type == TypeBool && q.Default == "" {
		q.Default = "false"
	}
	if q.Validate != "" {
		if _, ok := rules.Lookup(q.Validate); !ok {
			bad("%s: unknown validate rule %q (known: %s)", where, q.Validate, strings.Join(rules.RuleNames(), ", "))
		}
	}
	if tree, err := ld.parseDefault(q.Name+".default", q.Default, func(d *template.Template) { q.defaultTmpl = d }); err != nil {
		bad("%s: default: %v", where, err)
	} else {
		problems = append(problems, checkRefs(where, "default", tree, i, order)...)
		problems = append(problems, t.secretRefs(ConfigFile+": "+where+": default", tree)...)
	}
	if q.When != "" {
		if tree, err := ld.parse(q.Name+".when", q.When, func(w *template.Template) { q.whenTmpl = w }); err != nil {
			bad("%s: when: %v", where, err)
		} else {
			problems = append(problems, checkRefs(where, "when", tree, i, order)...)
		}
	}
	return problems
}

// loadFiles reads and parses every file of the tree except template.yaml.
func (t *Template) loadFiles(ld *loading, fsys fs.FS, deferred func(string, []byte, fs.FileMode) bool) []string {
	var problems []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if skip, err := skipVCS(d); skip {
			return err
		}
		if p != "." && t.owned.excludes(p, d.IsDir()) {
			return t.owned.skipExcluded(p, d)
		}
		if d.IsDir() || p == ConfigFile {
			return nil
		}
		if !d.Type().IsRegular() {
			problems = append(problems, fmt.Sprintf("%s: only regular files and directories can be templates", p))
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		k := len(t.files) // the file's place, once it is found sound
		segs := strings.Split(strings.TrimSuffix(p, ".tmpl"), "/")
		f := sourceFile{src: p, raw: raw, mode: info.Mode().Perm(), segments: make([]*template.Template, len(segs)), names: segs}
		for i, seg := range segs {
			if !strings.Contains(seg, "{{") {
				// Plain text renders as itself: no template to parse.
				if why := reservedName(seg); why != "" {
					problems = append(problems, fmt.Sprintf("%s: file name %q %s", p, seg, why))
					return nil
				}
				continue
			}
			tree, err := ld.parse(fmt.Sprintf("name of %s #%d", p, i), seg, func(s *template.Template) { t.files[k].segments[i] = s })
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: file name: %v", p, err))
				return nil
			}
			if why := reservedSegment(tree); why != "" {
				problems = append(problems, fmt.Sprintf("%s: file name %q %s", p, seg, why))
				return nil
			}
			problems = append(problems, t.undefinedRefs(quote.Name(p)+": file name", tree)...)
			problems = append(problems, t.secretRefs(quote.Name(p)+": file name", tree)...)
		}
		switch {
		case t.isVerbatim(p):
		case deferred != nil && deferred(p, raw, f.mode):
			f.deferred = true
			ld.defines = ld.defines || defines(raw)
		default:
			tree, err := ld.parse(p, string(raw), func(b *template.Template) { t.files[k].body = b })
			if err != nil {
				problems = append(problems, err.Error())
				return nil
			}
			problems = append(problems, t.undefinedRefs(quote.Name(p), tree)...)
		}
		t.files = append(t.files, f)
		return nil
	})
	if err != nil {
		problems = append(problems, err.Error())
	}
	return problems
}

// loadConditions parses Conditions; each must name a file or directory of
// the tree, so a typo cannot silently leave a file unconditional.
func (t *Template) loadConditions(ld *loading) []string {
	var problems []string
	for _, p := range sortedKeys(t.Conditions) {
		matched := false
		for _, f := range t.files {
			if f.src == p || strings.HasPrefix(f.src, p+"/") {
				matched = true
				break
			}
		}
		if !matched {
			problems = append(problems, fmt.Sprintf("%s: condition for %s: no such file or directory in the template", ConfigFile, p))
			continue
		}
		k := len(t.conditions)
		tree, err := ld.parse("condition "+p, t.Conditions[p], func(e *template.Template) { t.conditions[k].expr = e })
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: condition for %s: %v", ConfigFile, p, err))
			continue
		}
		problems = append(problems, t.undefinedRefs(ConfigFile+": condition for "+quote.Name(p), tree)...)
		t.conditions = append(t.conditions, condition{path: p, label: "condition for " + p})
	}
	return problems
}

func (t *Template) isVerbatim(p string) bool {
	for _, g := range t.Verbatim {
		if matchGlob(g, p) {
			return true
		}
	}
	return false
}

// matchGlob matches a slash-separated path against a glob in which "**" stands
// for any number of whole segments and every other segment is a path.Match
// pattern.
func matchGlob(glob, name string) bool {
	return matchSegments(strings.Split(glob, "/"), strings.Split(name, "/"))
}

func matchSegments(glob, name []string) bool {
	for len(glob) > 0 {
		if glob[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegments(glob[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(glob[0], name[0]); !ok {
			return false
		}
		glob, name = glob[1:], name[1:]
	}
	return len(name) == 0
}

// Question returns the question called key.
func (t *Template) Question(key string) (Question, bool) {
	for _, q := range t.Questions {
		if q.Name == key {
			return q, true
		}
	}
	return Question{}, false
}

// undefinedRefs reports each answer tree reads (as walkRefs finds them)
// that no question defines: rendering stops at such a reference
// (missingkey=error) whenever it is reached, so a template that holds one
// fails some or all of its renders. where names the text.
func (t *Template) undefinedRefs(where string, tree *parse.Tree) []string {
	if tree == nil {
		return nil
	}
	var problems []string
	seen := map[string]bool{}
	walkRefs(tree.Root, true, func(ref, key string) {
		if seen[key] {
			return
		}
		seen[key] = true
		if _, ok := t.Question(key); ok {
			return
		}
		why := "which is not a question"
		if near := rules.Nearest(key, t.questionNames()); near != "" {
			why += "; did you mean ." + near + "?"
		}
		problems = append(problems, fmt.Sprintf("%s: refers to %s, %s", where, quote.Name(ref), why))
	})
	return problems
}

// checkRefs reports each answer a default or when-condition reads that it
// cannot have: a question that does not exist, or one asked at or after
// question i. Such a when would otherwise fail at every resolve and count as
// false, silently never asking its question.
func checkRefs(where, field string, t *parse.Tree, i int, order map[string]int) []string {
	if t == nil {
		return nil
	}
	var problems []string
	seen := map[string]bool{}
	walkRefs(t.Root, true, func(ref, key string) {
		if seen[key] {
			return
		}
		seen[key] = true
		j, ok := order[key]
		var why string
		switch {
		case !ok:
			why = "which is not a question"
		case j == i:
			why = "which is this question itself"
		case j > i:
			why = "which is asked after it"
		default:
			return
		}
		problems = append(problems, fmt.Sprintf("%s: %s: %s refers to %s, %s", ConfigFile, where, field, ref, why))
	})
	return problems
}
