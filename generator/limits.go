package generator

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"text/template"
	"time"

	"github.com/gomicro/gomicro/internal/bytesize"
)

// Limits bounds every execution of a template's text: file bodies, file-name
// segments, conditions, and the defaults and when-conditions of its
// questions. A template is code from wherever --template points; one that
// loops forever must not hang gomicro, and one that renders gigabytes must
// not take it down with an out-of-memory crash.
type Limits struct {
	// Timeout bounds the time one render (or the template executions of one
	// resolve, prompts not counted) may take.
	Timeout time.Duration
	// MaxOutput bounds the bytes one render writes across all its files, and
	// the size of any single value a function may build (see guard).
	MaxOutput int64
}

// DefaultLimits stand in for the zero fields of a Template's Limits.
var DefaultLimits = Limits{Timeout: 10 * time.Second, MaxOutput: 64 << 20}

// ErrRenderTimeout is wrapped by the error of a render (or resolve) that ran
// longer than Limits.Timeout.
var ErrRenderTimeout = errors.New("render took longer than the time limit")

// ErrOutputLimit is wrapped by the error of a render (or resolve) whose output,
// or a value it built, would exceed Limits.MaxOutput.
var ErrOutputLimit = errors.New("render output exceeds the size limit")

// withDefaults fills zero (or negative, meaningless) fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.Timeout <= 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultLimits.MaxOutput
	}
	return l
}

// limitError carries its own message and matches its sentinel with errors.Is,
// so the message can read naturally and the CLI can still add a hint.
type limitError struct {
	sentinel error
	msg      string
}

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return e.sentinel }

func outputError(format string, args ...any) error {
	return &limitError{ErrOutputLimit, fmt.Sprintf(format, args...)}
}

func timeoutError(format string, args ...any) error {
	return &limitError{ErrRenderTimeout, fmt.Sprintf(format, args...)}
}

// Functions whose integer argument sets the size of what they allocate refuse
// sizes beyond the output limit, before allocating: a repeat or until with a
// count of 10^10 would otherwise end gomicro with an out-of-memory crash,
// which no recover catches. text/template's own builtins need no such guard:
// slice and index only index, and fmt refuses printf widths and precisions
// above 10^6.
//
// replace and wrapWith multiply their text the same way without an integer,
// so they are guarded too. Every function, these included, is then wrapped
// by guard, which bounds what the others build (print, cat, join, list ...).
//
// maxOutput is read at each call, so the Limits the CLI sets after Load apply.
func limitedFuncs(maxOutput func() int64) template.FuncMap {
	l := limited{maxOutput}
	return template.FuncMap{
		"repeat":    l.repeat,
		"until":     l.until,
		"untilStep": l.untilStep,
		"seq":       l.seq,
		"indent":    l.indent,
		"nindent":   l.nindent,
		"wrapWith":  l.wrapWith,
		"replace":   l.replace,
	}
}

// limited holds the guarded functions, each a method named as templates
// call it, all bounded by one output limit.
type limited struct {
	maxOutput func() int64
}

// refuse is the error of fn, whose result would take bytes (MaxUint64:
// more than can be counted).
func (l limited) refuse(fn string, bytes uint64) error {
	if bytes == math.MaxUint64 {
		return outputError("%s: the result would exceed the %s output limit", fn, bytesize.String(l.maxOutput()))
	}
	return outputError("%s: %d bytes exceeds the %s output limit", fn, bytes, bytesize.String(l.maxOutput()))
}

func (l limited) tooBig(n uint64) bool { return n > uint64(l.maxOutput()) }

func (l limited) repeat(count int, s string) (string, error) {
	if count < 0 {
		return "", fmt.Errorf("repeat: negative count %d", count)
	}
	if n := sat(uint64(count), uint64(len(s)), 0); l.tooBig(n) {
		return "", l.refuse("repeat", n)
	}
	return strings.Repeat(s, count), nil
}

func (l limited) until(count int) ([]int, error) {
	step := 1
	if count < 0 {
		step = -1
	}
	return l.list("until", 0, count, step)
}

func (l limited) untilStep(start, stop, step int) ([]int, error) {
	return l.list("untilStep", start, stop, step)
}

// list is Sprig's untilStep for fn, computing the length of the list before
// building it: Sprig's loop appends until it passes stop, which takes as
// long as the list is long, and never ends when i += step overflows first.
func (l limited) list(fn string, start, stop, step int) ([]int, error) {
	var n uint64
	switch {
	case stop < start && step < 0:
		n = ceilDiv(uint64(start)-uint64(stop), uint64(-step))
	case stop > start && step > 0:
		n = ceilDiv(uint64(stop)-uint64(start), uint64(step))
	}
	if n > math.MaxInt64/8 || l.tooBig(8*n) {
		return nil, outputError("%s: a list of %d numbers exceeds the %s output limit", fn, n, bytesize.String(l.maxOutput()))
	}
	v := make([]int, n)
	for i := range v {
		v[i] = start + i*step
	}
	return v, nil
}

// seq is Sprig's, argument quirks and all, on the guarded untilStep.
func (l limited) seq(params ...int) (string, error) {
	var start, stop, step int
	switch len(params) {
	case 1:
		start, stop, step = 1, params[0], 1
		if stop < start {
			step = -1
		}
		stop += step
	case 2:
		start, stop, step = params[0], params[1], 1
		if stop < start {
			step = -1
		}
		stop += step
	case 3:
		start, stop, step = params[0], params[2], params[1]
		inc := 1
		if stop < start {
			inc = -1
			if step > 0 {
				return "", nil
			}
		}
		stop += inc
	default:
		return "", nil
	}
	v, err := l.list("seq", start, stop, step)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, x)
	}
	return b.String(), nil
}

func (l limited) indent(spaces int, v string) (string, error) {
	return l.indentAs("indent", spaces, v)
}

func (l limited) nindent(spaces int, v string) (string, error) {
	s, err := l.indentAs("nindent", spaces, v)
	if err != nil {
		return "", err
	}
	return "\n" + s, nil
}

// indentAs is Sprig's indent for fn: spaces before every line of v.
func (l limited) indentAs(fn string, spaces int, v string) (string, error) {
	if spaces < 0 {
		return "", fmt.Errorf("%s: negative width %d", fn, spaces)
	}
	lines := uint64(strings.Count(v, "\n")) + 1
	if n := sat(lines, uint64(spaces), uint64(len(v))); l.tooBig(n) {
		return "", l.refuse(fn, n)
	}
	pad := strings.Repeat(" ", spaces)
	return pad + strings.ReplaceAll(v, "\n", "\n"+pad), nil
}

// wrapWith puts sep after every width bytes of a long word, so a width of 1
// multiplies the text by len(sep)+1. Sprig's wrapWith (the package-level
// one) does the work.
func (l limited) wrapWith(width int, sep, s string) (string, error) {
	if sep == "" {
		sep = "\n"
	}
	width = max(width, 1)
	if n := sat(uint64(len(s)/width+1), uint64(len(sep)), uint64(len(s))); l.tooBig(n) {
		return "", l.refuse("wrapWith", n)
	}
	return wrapWith(width, sep, s), nil
}

// replace multiplies like repeat: every match of old grows by
// len(new)-len(old).
func (l limited) replace(old, new, src string) (string, error) {
	if len(new) > len(old) {
		matches := uint64(strings.Count(src, old))
		if n := sat(matches, uint64(len(new)-len(old)), uint64(len(src))); l.tooBig(n) {
			return "", l.refuse("replace", n)
		}
	}
	return strings.ReplaceAll(src, old, new), nil
}

func ceilDiv(a, b uint64) uint64 {
	n := a / b
	if a%b != 0 {
		n++
	}
	return n
}

// sat is a*b+c, saturated at MaxUint64 rather than wrapping.
func sat(a, b, c uint64) uint64 {
	if a != 0 && b > math.MaxUint64/a {
		return math.MaxUint64
	}
	if ab := a * b; ab <= math.MaxUint64-c {
		return ab + c
	}
	return math.MaxUint64
}
