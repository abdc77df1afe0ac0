package generator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/Masterminds/sprig/v3"

	"github.com/gomicro/gomicro/generator"
)

// spin runs long enough that a 50ms limit always fires first. Its writes
// are empty, so no output limit ends it: only the timeout (or the context)
// can stop the wait for it. Once abandoned it ends at its next write (see
// TestRenderTimeoutAbandons), instead of burning a core for seconds more
// while the other tests run.
const spin = `{{ range 1000000000 }}{{ "" }}{{ end }}`

// limited loads files with a one-question template.yaml plus extra
// questions, and sets the limits.
func limited(t *testing.T, lim generator.Limits, questions string, files map[string]string) *generator.Template {
	t.Helper()
	tmpl := mustLoad(t, tree(minimal+"questions:\n  - name: name\n    default: svc\n"+questions, files))
	tmpl.Limits = lim
	return tmpl
}

func TestDefaultLimits(t *testing.T) {
	if want := (generator.Limits{Timeout: 10 * time.Second, MaxOutput: 64 << 20}); generator.DefaultLimits != want {
		t.Errorf("DefaultLimits = %+v, want %+v", generator.DefaultLimits, want)
	}
}

// renderLimited renders with the defaults of the only question, timing it.
func renderLimited(t *testing.T, ctx context.Context, tmpl *generator.Template) (time.Duration, error) {
	t.Helper()
	answers, err := tmpl.Resolve(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tr, err := generator.Render(ctx, tmpl, answers)
	if err == nil {
		t.Fatalf("render succeeded with %d files, want an error", len(tr.Files))
	}
	return time.Since(start), err
}

func TestRenderTimeout(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		extra string // template.yaml after the questions
		want  string
	}{
		{"body", map[string]string{"a.txt": "ok", "loop.txt": spin}, "", "template test: render loop.txt: took longer than 50ms (the limit)"},
		{"file name", map[string]string{"x" + spin + ".txt": ""}, "", "template test: render x" + spin + ".txt: took longer"},
		{"condition", map[string]string{"a.txt": "x"}, "conditions:\n  a.txt: '" + spin + "'\n", "template test: render condition for a.txt: took longer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := limited(t, generator.Limits{Timeout: 50 * time.Millisecond}, tt.extra, tt.files)
			took, err := renderLimited(t, context.Background(), tmpl)
			if !errors.Is(err, generator.ErrRenderTimeout) {
				t.Errorf("err = %v, want ErrRenderTimeout", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q\nwant one line starting %q", err, tt.want)
			}
			if took > time.Second {
				t.Errorf("the render returned after %v, want about 50ms", took)
			}
		})
	}
}

// TestRenderTimeoutAbandons: the goroutine of a render that timed out ends at
// its next write instead of running its loop to the end.
func TestRenderTimeoutAbandons(t *testing.T) {
	tmpl := limited(t, generator.Limits{Timeout: 50 * time.Millisecond}, "", map[string]string{
		"loop.txt": `{{ range 1000000000 }}{{ "" }}{{ end }}`, // a minute or so of zero-byte writes
	})
	before := runtime.NumGoroutine()
	_, err := renderLimited(t, context.Background(), tmpl)
	if !errors.Is(err, generator.ErrRenderTimeout) {
		t.Fatalf("err = %v, want ErrRenderTimeout", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines 5s after the timeout, %d before the render", runtime.NumGoroutine(), before)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRenderCancelled(t *testing.T) {
	tmpl := limited(t, generator.Limits{}, "", map[string]string{"loop.txt": spin})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := renderLimited(t, ctx, tmpl)
	if !errors.Is(err, context.Canceled) || errors.Is(err, generator.ErrRenderTimeout) {
		t.Errorf("already cancelled: err = %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	took, err := renderLimited(t, ctx, tmpl)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while rendering: err = %v, want context.Canceled", err)
	}
	if took > time.Second {
		t.Errorf("the render returned %v after it started, want about 20ms", took)
	}
	if want := "template test: render: context canceled"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestResolveLimits(t *testing.T) {
	for _, tt := range []struct {
		name, questions string
		lim             generator.Limits
		is              error
		want            string
	}{
		{
			name:      "default runs too long",
			questions: "  - name: a\n    default: '" + spin + "x'\n",
			lim:       generator.Limits{Timeout: 50 * time.Millisecond},
			is:        generator.ErrRenderTimeout,
			want:      `template test: question "a": default: took longer than 50ms (the limit)`,
		},
		{
			name:      "when runs too long",
			questions: "  - name: a\n    when: '" + spin + "true'\n",
			lim:       generator.Limits{Timeout: 50 * time.Millisecond},
			is:        generator.ErrRenderTimeout,
			want:      `template test: question "a": when: took longer than 50ms (the limit)`,
		},
		{
			// Each execution is short; together they spend the budget.
			name: "the budget is the resolve's",
			questions: func() string {
				var b strings.Builder
				for i := range 8 {
					fmt.Fprintf(&b, "  - name: a%d\n    default: '{{ range 1500000 }}{{ end }}'\n", i)
				}
				return b.String()
			}(),
			lim:  generator.Limits{Timeout: 60 * time.Millisecond},
			is:   generator.ErrRenderTimeout,
			want: `template test: question "`,
		},
		{
			name:      "default too large",
			questions: "  - name: a\n    default: '{{ range 3 }}{{ repeat 600000 \"x\" }}{{ end }}'\n",
			lim:       generator.Limits{MaxOutput: 1 << 20},
			is:        generator.ErrOutputLimit,
			want:      `template test: question "a": default: output exceeds 1 MiB (the limit)`,
		},
		{
			name:      "default builds too large a value",
			questions: "  - name: a\n    default: '{{ len (repeat 2000000 \"x\") }}'\n",
			lim:       generator.Limits{MaxOutput: 1 << 20},
			is:        generator.ErrOutputLimit,
			want:      `template test: question "a": default: template: a.default:1:8: executing "a.default" at <repeat 2000000 "x">: error calling repeat: repeat: 2000000 bytes exceeds the 1 MiB output limit`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := limited(t, tt.lim, tt.questions, nil)
			start := time.Now()
			var p generator.Prompter // when is evaluated only for a prompter
			if strings.Contains(tt.questions, "when:") {
				p = &fakePrompter{t: t, answers: map[string]string{"name": ""}}
			}
			_, err := tmpl.Resolve(context.Background(), nil, p)
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q\nwant one line starting %q", err, tt.want)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("Resolve returned after %v", took)
			}
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		tmpl := limited(t, generator.Limits{}, "  - name: a\n    default: '{{ .name }}'\n", nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := tmpl.Resolve(ctx, nil, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		answers, err := tmpl.Resolve(context.Background(), nil, nil)
		if err != nil || answers["a"] != "svc" {
			t.Errorf("Resolve = %v, %v", answers, err)
		}
	})
}

func TestRenderOutputLimit(t *testing.T) {
	mib := generator.Limits{MaxOutput: 1 << 20}
	for _, tt := range []struct {
		name  string
		lim   generator.Limits
		files map[string]string
		want  []string // one per line
	}{
		{
			name:  "a function refuses to build more than the limit",
			lim:   mib,
			files: map[string]string{"a.txt": `{{ repeat 100000000 "x" }}`, "b.txt": `{{ repeat 100000000 "x" }}`},
			want: []string{
				`template test: render a.txt: template: a.txt:1:3: executing "a.txt" at <repeat 100000000 "x">: error calling repeat: repeat: 100000000 bytes exceeds the 1 MiB output limit`,
				`template test: render b.txt:`,
			},
		},
		{
			name:  "the budget is the render's, not the file's",
			lim:   mib,
			files: map[string]string{"a.txt": `{{ repeat 600000 "x" }}`, "b.txt": `{{ repeat 600000 "x" }}`, "c.txt": `{{ repeat 600000 "x" }}`},
			want:  []string{"template test: render b.txt: output exceeds 1 MiB (the limit)"},
		},
		{
			name:  "a loop writes too much",
			lim:   mib,
			files: map[string]string{"a.txt": "{{ range 10000000 }}xxxxxxxxxx{{ end }}"},
			want:  []string{"template test: render a.txt: output exceeds 1 MiB (the limit)"},
		},
		{
			name:  "file names count",
			lim:   mib,
			files: map[string]string{`{{ repeat 600000 "x" }}`: `{{ repeat 600000 "x" }}`},
			want:  []string{"template test: render {{ repeat 600000 \"x\" }}: output exceeds 1 MiB (the limit)"},
		},
		{
			// A gigabyte of output ends at 64 MiB, with an error, not a crash.
			name:  "the default limit",
			files: map[string]string{"big.txt": `{{ $k := repeat 1024 "x" }}{{ range 1048576 }}{{ $k }}{{ end }}`},
			want:  []string{"template test: render big.txt: output exceeds 64 MiB (the limit)"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := limited(t, tt.lim, "", tt.files)
			_, err := renderLimited(t, context.Background(), tmpl)
			if !errors.Is(err, generator.ErrOutputLimit) {
				t.Errorf("err = %v, want ErrOutputLimit", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d = %q\nwant it to start %q", i+1, lines[i], w)
				}
			}
		})
	}
	// Up to the limit is fine; the names count too (a.txt, b.txt: 10 bytes).
	files := map[string]string{"a.txt": `{{ repeat 524283 "x" }}`, "b.txt": `{{ repeat 524283 "y" }}`}
	tr := mustRender(t, limited(t, mib, "", files), nil)
	if len(fileData(t, tr, "a.txt"))+len(fileData(t, tr, "b.txt")) != 1<<20-10 {
		t.Error("a render of exactly the limit lost bytes")
	}
	files["b.txt"] = `{{ repeat 524284 "y" }}`
	if _, err := renderLimited(t, context.Background(), limited(t, mib, "", files)); !errors.Is(err, generator.ErrOutputLimit) {
		t.Errorf("one byte over the limit: err = %v, want ErrOutputLimit", err)
	}
}

// TestLimitedFuncs: functions whose integer argument sets an allocation size
// refuse sizes beyond the output limit before allocating, so 10^10 is an
// error, not an out-of-memory crash.
func TestLimitedFuncs(t *testing.T) {
	for _, call := range []string{
		`until 10000000000`,
		`until -10000000000`,
		`untilStep 0 10000000000 1`,
		`untilStep 9223372036854775807 -9223372036854775808 -1`,
		`seq 10000000000`,
		`seq 0 1 10000000000`,
		`repeat 10000000000 "x"`,
		`repeat 9223372036854775807 "xx"`,
		`"x" | repeat 10000000000`,
		`indent 10000000000 "x"`,
		`nindent 10000000000 "x"`,
		`indent 9223372036854775807 "a\nb"`,
		`repeat 1000000 "\n" | indent 100`,
		`repeat 1000000 "x" | wrapWith 1 (repeat 100 "-")`,
		`repeat 1000000 "x" | replace "x" (repeat 100 "y")`,
	} {
		t.Run(call, func(t *testing.T) {
			tmpl := limited(t, generator.Limits{}, "", map[string]string{"f.txt": "{{ " + call + " }}"})
			took, err := renderLimited(t, context.Background(), tmpl)
			if !errors.Is(err, generator.ErrOutputLimit) || !strings.Contains(err.Error(), "exceed") {
				t.Errorf("err = %v, want ErrOutputLimit", err)
			}
			if took > time.Second {
				t.Errorf("took %v to refuse", took)
			}
		})
	}
	// Sprig's untilStep loops until i passes stop, and never ends when i
	// overflows first; this one counts the list before building it.
	tmpl := limited(t, generator.Limits{}, "", map[string]string{
		"f.txt": "{{ untilStep 9223372036854775800 9223372036854775807 100 }} {{ untilStep -9223372036854775800 -9223372036854775807 -100 }}",
	})
	if got := fileData(t, mustRender(t, tmpl, nil), "f.txt"); got != "[9223372036854775800] [-9223372036854775800]" {
		t.Errorf("untilStep near the int range's ends = %q", got)
	}
}

// TestLimitedFuncsMatchSprig: within the limits the guarded functions give
// Sprig's results, errors included.
func TestLimitedFuncsMatchSprig(t *testing.T) {
	calls := []string{
		`until 5`, `until -3`, `until 0`, `until 1`,
		`untilStep 0 10 3`, `untilStep 10 0 -3`, `untilStep 10 0 3`, `untilStep 0 10 -1`, `untilStep 0 10 0`,
		`untilStep 5 5 1`, `untilStep -5 5 2`, `untilStep 3 -4 -2`, `untilStep 0 9 9`, `untilStep 0 9 10`,
		`seq`, `seq 5`, `seq -2`, `seq 0`, `seq 1`, `seq 2 6`, `seq 6 2`, `seq 3 3`, `seq 0 2 10`, `seq 10 -3 0`,
		`seq 10 3 0`, `seq 0 -2 10`, `seq 1 2 3 4`, `seq 0 0 5`, `seq -5 2 -1`, `seq 5 -1 5`,
		`repeat 3 "ab"`, `repeat 0 "x"`, `repeat 5 ""`, `repeat -1 "x"`, `"ab" | repeat 2`,
		`indent 2 "a\nb"`, `indent 0 "x"`, `indent 3 ""`, `indent -1 "x"`, `nindent 4 "a\n\nb\n"`, `nindent 0 ""`,
		`wrapWith 3 "|" "abcdefgh ij"`, `wrapWith 0 "" "abc def"`, `wrapWith 5 "\n" "hello world again"`,
		`wrapWith -2 "<>" "abcdef"`, `wrapWith 10 "|" "short"`, `wrapWith 2 "|" ""`, `wrap 4 "abc defgh ij"`,
		`replace "a" "bb" "banana"`, `replace "" "-" "abc"`, `replace "an" "" "banana"`, `replace "x" "y" ""`,
		`"banana" | replace "na" "NA"`, `replace "é" "ee" "été"`,
	}
	sprigTmpl := template.New("").Funcs(sprig.TxtFuncMap())
	for _, call := range calls {
		t.Run(call, func(t *testing.T) {
			action := "{{ " + call + " }}"
			var want bytes.Buffer
			wantErr := template.Must(sprigTmpl.New(call).Parse(action)).Execute(&want, nil)
			tmpl := limited(t, generator.Limits{}, "", map[string]string{"f.txt": action})
			answers, err := tmpl.Resolve(context.Background(), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := generator.Render(context.Background(), tmpl, answers)
			switch {
			case (err != nil) != (wantErr != nil):
				t.Errorf("err = %v; Sprig's err = %v", err, wantErr)
			case err == nil:
				if got := fileData(t, tr, "f.txt"); got != want.String() {
					t.Errorf("= %q; Sprig's = %q", got, want.String())
				}
			}
		})
	}
}

// TestRenderKeysValuesDeterministic: Sprig's keys and values follow Go's map
// iteration order, different from one call to the next; gomicro's are
// sorted by key, so a render is repeatable.
func TestRenderKeysValuesDeterministic(t *testing.T) {
	var pairs, sortedKeys, sortedValues []string
	for i := range 30 {
		// Inserted out of order, and the values not sorted like the keys.
		k := fmt.Sprintf("k%02d", (i*7)%30)
		v := fmt.Sprintf("v%d", (i*13)%30)
		pairs = append(pairs, fmt.Sprintf("%q %q", k, v))
	}
	for i := range 30 {
		sortedKeys = append(sortedKeys, fmt.Sprintf("k%02d", i))
	}
	// k(i*7%30) = v(i*13%30): the value of key j is v((j*7^-1 mod 30)*13 mod 30).
	for j := range 30 {
		for i := range 30 {
			if (i*7)%30 == j {
				sortedValues = append(sortedValues, fmt.Sprintf("v%d", (i*13)%30))
			}
		}
	}
	body := "{{ $d := dict " + strings.Join(pairs, " ") + " }}" +
		`{{ keys $d | join "," }}` + "\n" + `{{ values $d | join "," }}` + "\n" +
		`{{ keys (dict "b" 1 "a" 2) (dict "d" 3 "c" 4 "a" 5) | join "," }}` + "\n"
	tmpl := limited(t, generator.Limits{}, "", map[string]string{"f.txt": body})
	want := strings.Join(sortedKeys, ",") + "\n" + strings.Join(sortedValues, ",") + "\n" + "a,b,a,c,d\n"
	for range 100 {
		if got := fileData(t, mustRender(t, tmpl, nil), "f.txt"); got != want {
			t.Fatalf("f.txt = %q\nwant     %q", got, want)
		}
	}
}

// TestBuildLimit: no function a template calls builds a value beyond the
// output limit. Each template doubles a value in a loop that, unguarded,
// builds a 64 MiB string or a list of 4 million elements (and, with 40
// turns instead of 26, ended gomicro with "fatal error: out of memory"); guarded,
// each stops at the 64 KiB limit with ErrOutputLimit, having allocated a
// few times that. Memory is measured (runtime.MemStats), not time.
func TestBuildLimit(t *testing.T) {
	const kib64 = 64 << 10
	for _, tt := range []struct{ fn, text string }{
		{"print", `{{ $s := "x" }}{{ range 26 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}`},
		{"println", `{{ $s := "x" }}{{ range 26 }}{{ $s = println $s $s }}{{ end }}{{ len $s }}`},
		{"printf", `{{ $s := "x" }}{{ range 26 }}{{ $s = printf "%s%s" $s $s }}{{ end }}{{ len $s }}`},
		{"printf", `{{ $s := "x" }}{{ range 26 }}{{ $s = printf "%[1]s%[1]s" $s }}{{ end }}{{ len $s }}`},
		{"printf", `{{ $s := "x" }}{{ range 26 }}{{ $s = printf "%v%v" (list $s) (list $s) }}{{ end }}{{ len $s }}`},
		{"cat", `{{ $s := "x" }}{{ range 26 }}{{ $s = cat $s $s }}{{ end }}{{ len $s }}`},
		{"quote", `{{ $s := "x" }}{{ range 26 }}{{ $s = quote $s $s }}{{ end }}{{ len $s }}`},
		{"join", `{{ $s := "x" }}{{ range 26 }}{{ $s = join $s (list "a" "b" "c") }}{{ end }}{{ len $s }}`},
		{"toJson", `{{ $s := "x" }}{{ range 26 }}{{ $s = list $s $s | toJson }}{{ end }}{{ len $s }}`},
		{"concat", `{{ $l := list "x" }}{{ range 22 }}{{ $l = concat $l $l }}{{ end }}{{ len $l }}`},
		{"append", `{{ $l := list "x" }}{{ range 22 }}{{ $l = append $l $l }}{{ end }}{{ len $l }}`},
		{"list", `{{ $l := list "x" }}{{ range 22 }}{{ $l = list $l $l }}{{ end }}{{ toJson $l | len }}`},
		{"dict", `{{ $d := dict }}{{ range 22 }}{{ $d = dict "a" $d "b" $d }}{{ end }}{{ toJson $d | len }}`},
		{"js", `{{ $s := "'" }}{{ range 26 }}{{ $s = js $s }}{{ end }}{{ len $s }}`},
		{"join", `{{ join (repeat 1000 "x") (until 1000) | len }}`},
		{"printf", `{{ printf (repeat 1000 "%1000d") | len }}`},
		{"printf", `{{ printf "%100v" (until 1000) | len }}`},
		{"splitList", `{{ splitList "" (repeat 60000 "x") | len }}`},
		{"regexFindAll", `{{ regexFindAll "" (repeat 60000 "x") -1 | len }}`},
		{"regexReplaceAll", `{{ regexReplaceAll "" (repeat 1000 "x") (repeat 1000 "y") | len }}`},
	} {
		t.Run(tt.text, func(t *testing.T) {
			tmpl := limited(t, generator.Limits{MaxOutput: kib64}, "", map[string]string{"f.txt": tt.text})
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := renderLimited(t, context.Background(), tmpl)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, generator.ErrOutputLimit) {
				t.Errorf("err = %v, want ErrOutputLimit", err)
			}
			if want := "error calling " + tt.fn + ": " + tt.fn + ": the result would exceed the 64 KiB output limit"; !strings.HasSuffix(err.Error(), want) {
				t.Errorf("err = %v\nwant it to end %q", err, want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d MiB on the way to a 64 KiB limit", alloc>>20)
			}
		})
	}
}

// TestBuildLimitCycle: a dict that holds itself is refused when made, before
// printing it recurses until the stack overflows (a crash no recover
// catches).
func TestBuildLimitCycle(t *testing.T) {
	for _, text := range []string{
		`{{ $d := dict }}{{ $_ := set $d "a" $d }}{{ $d }}`,
		`{{ $d := dict }}{{ $_ := merge $d (dict "a" $d) }}{{ $d }}`,
	} {
		tmpl := limited(t, generator.Limits{}, "", map[string]string{"f.txt": text})
		if _, err := renderLimited(t, context.Background(), tmpl); !errors.Is(err, generator.ErrOutputLimit) {
			t.Errorf("%s: err = %v, want ErrOutputLimit", text, err)
		}
	}
}
