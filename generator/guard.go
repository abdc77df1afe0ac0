package generator

import (
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gomicro/gomicro/internal/bytesize"
)

// Every function a tree calls is wrapped by guard (see newNamespace), so that
// no value a template builds in memory exceeds the output limit: doubling a
// string with print, cat or printf, or a list with concat or list, in a
// range loop ends with ErrOutputLimit, not with an out-of-memory crash that
// no recover catches. A guarded function
//
//   - refuses an argument whose size (sizeOf) exceeds the limit, and, when
//     it is variadic (print, cat, list, concat, dict ...), arguments whose
//     sizes add up beyond it: what it builds is about their sum;
//   - refuses, before calling, what a function's own bound (builds) says
//     would exceed it: printf's verbs and widths, join's separator, the
//     pieces of split and of the regex functions;
//   - refuses a result that exceeds it. Any other function builds at most a
//     small multiple of its arguments (quote, toJson, js escape a byte to at
//     most 6), each within the limit: what it allocates before its result
//     is refused stays within that multiple.
//
// So every value a template holds is within the limit, and so is what
// printing it takes. text/template's own print, printf, println, html, js
// and urlquery are replaced by guarded ones the same way (funcs).
var errorType = reflect.TypeFor[error]()

// guard returns f, a template function called name, wrapped as above; its
// result is f's with an error added where f had none.
func guard(name string, f any, maxOutput func() int64) any {
	fv := reflect.ValueOf(f)
	ft := fv.Type()
	if ft.Kind() != reflect.Func || ft.NumOut() == 0 || ft.NumOut() > 2 {
		return f // text/template refuses it anyway
	}
	ins := make([]reflect.Type, ft.NumIn())
	for i := range ins {
		ins[i] = ft.In(i)
	}
	outs := []reflect.Type{ft.Out(0), errorType}
	bound := builds[name]
	variadic := ft.IsVariadic()
	return reflect.MakeFunc(reflect.FuncOf(ins, outs, variadic), func(args []reflect.Value) []reflect.Value {
		limit := maxOutput()
		refuse := func() []reflect.Value {
			err := outputError("%s: the result would exceed the %s output limit", name, bytesize.String(limit))
			return []reflect.Value{reflect.Zero(outs[0]), reflect.ValueOf(&err).Elem()}
		}
		var total int64
		for i, a := range args {
			if variadic && i == len(args)-1 {
				for j := range a.Len() {
					total += sizeOf(a.Index(j), limit)
				}
			} else if n := sizeOf(a, limit); n > limit {
				return refuse()
			} else if variadic {
				total += n
			}
			if total > limit {
				return refuse()
			}
		}
		if bound != nil && bound(args, limit) > uint64(limit) {
			return refuse()
		}
		var res []reflect.Value
		if variadic {
			res = fv.CallSlice(args)
		} else {
			res = fv.Call(args)
		}
		if len(res) == 2 && !res[1].IsNil() {
			return res
		}
		if sizeOf(res[0], limit) > limit {
			return refuse()
		}
		return []reflect.Value{res[0], reflect.Zero(errorType)}
	}).Interface()
}

// sizeOf is about the bytes v takes in memory or printed (print, toJson,
// toPrettyJson's indentation), whichever is more, counted up to just past
// limit: a list that holds one list twice, forty levels deep, counts as the
// 2^40 leaves printing it would write, and a map that holds itself stops
// the count rather than looping.
func sizeOf(v reflect.Value, limit int64) int64 {
	n := int64(0)
	sizeInto(v, 0, limit, &n)
	return n
}

func sizeInto(v reflect.Value, depth int64, limit int64, n *int64) {
	if *n > limit {
		return
	}
	switch v.Kind() {
	case reflect.Invalid:
		*n += 8
	case reflect.String:
		*n += int64(v.Len())
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			*n += 8
			return
		}
		sizeInto(v.Elem(), depth, limit, n)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			*n += 4 * int64(v.Len()) // printed as [1 2 3]
			return
		}
		*n += 16
		for i := range v.Len() {
			*n += 16 + 2*depth
			sizeInto(v.Index(i), depth+1, limit, n)
			if *n > limit {
				return
			}
		}
	case reflect.Map:
		*n += 16
		for it := v.MapRange(); it.Next(); {
			*n += 32 + 2*depth
			sizeInto(it.Key(), depth+1, limit, n)
			sizeInto(it.Value(), depth+1, limit, n)
			if *n > limit {
				return
			}
		}
	default: // numbers, bools, structs (a semver), funcs
		*n += 32
	}
}

// builds holds, for the functions whose result can be many times their
// arguments, a bound on its size computed before the call.
var builds = map[string]func(args []reflect.Value, limit int64) uint64{
	"printf": func(args []reflect.Value, limit int64) uint64 {
		return printfBound(args[0].String(), args[1], limit)
	},
	// join puts sep between the elements of a list.
	"join": func(args []reflect.Value, limit int64) uint64 {
		n := uint64(1)
		if v := reflect.Indirect(elem(args[1])); v.Kind() == reflect.Slice || v.Kind() == reflect.Array {
			n = uint64(v.Len())
		}
		return sat(n, uint64(args[0].Len()), uint64(sizeOf(args[1], limit)))
	},
	// The split functions make a string of each piece: a list (16 bytes an
	// element) or a dict (48) of them.
	"splitList": func(args []reflect.Value, _ int64) uint64 {
		return splitBound(args[0].String(), args[1].String(), -1, 16)
	},
	"split": func(args []reflect.Value, _ int64) uint64 {
		return splitBound(args[0].String(), args[1].String(), -1, 48)
	},
	"splitn": func(args []reflect.Value, _ int64) uint64 {
		return splitBound(args[0].String(), args[2].String(), args[1].Int(), 48)
	},
	// The regex functions: a piece or a match per position, at most (an
	// empty pattern matches at every one).
	"regexSplit":                 regexBound(1, 2, -1),
	"mustRegexSplit":             regexBound(1, 2, -1),
	"regexFindAll":               regexBound(1, 2, -1),
	"mustRegexFindAll":           regexBound(1, 2, -1),
	"regexReplaceAll":            regexBound(1, -1, 2),
	"mustRegexReplaceAll":        regexBound(1, -1, 2),
	"regexReplaceAllLiteral":     regexBound(1, -1, 2),
	"mustRegexReplaceAllLiteral": regexBound(1, -1, 2),
}

func elem(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	return v
}

// splitBound is the size of the pieces of s split at sep (into at most n
// when n > 0), each costing per bytes beside its text.
func splitBound(sep, s string, n int64, per uint64) uint64 {
	pieces := uint64(utf8.RuneCountInString(s)) + 1
	if sep != "" {
		pieces = uint64(strings.Count(s, sep)) + 1
	}
	if n > 0 {
		pieces = min(pieces, uint64(n))
	}
	return sat(pieces, per, uint64(len(s)))
}

// regexBound bounds a regex function whose text is argument src: a list of
// up to len(src)+1 strings when it splits or finds (n is argument count, -1
// for all), or, when it replaces, the text with argument repl at every
// position, each $1 in repl standing for up to all of src.
func regexBound(src, count, repl int) func(args []reflect.Value, limit int64) uint64 {
	return func(args []reflect.Value, _ int64) uint64 {
		s := args[src].String()
		positions := uint64(len(s)) + 1
		if repl < 0 {
			if n := args[count].Int(); n >= 0 {
				positions = min(positions, uint64(n))
			}
			return sat(positions, 16, uint64(len(s)))
		}
		r := args[repl].String()
		refs := uint64(strings.Count(r, "$"))
		return sat(positions, uint64(len(r)), sat(refs, uint64(len(s)), uint64(len(s))))
	}
}

// printfBound bounds what fmt.Sprintf(format, args...) writes: the format's
// text, and for each verb the argument it formats (four times over for %q
// and %#v, which escape, three for %x) plus its width and precision, which
// fmt applies to every element of a list and caps at 10^6.
func printfBound(format string, args reflect.Value, limit int64) uint64 {
	s := &printfScan{format: format, args: args}
	total := uint64(0)
	for i := 0; i < len(format); {
		if format[i] != '%' {
			total++
			i++
			continue
		}
		total, i = s.verb(i+1, total, limit)
	}
	if !s.reordered {
		for ; s.argNum < args.Len(); s.argNum++ { // %!(EXTRA type=value)
			total = sat(4, uint64(sizeOf(args.Index(s.argNum), limit)), total+64)
		}
	}
	return total
}

// printfScan is printfBound's place in the arguments as it reads the
// format, as fmt keeps it.
type printfScan struct {
	format    string
	args      reflect.Value
	argNum    int  // the argument the next verb formats
	reordered bool // an explicit index [n] was used: fmt reports no EXTRA
}

// maxPrintfNum is the widest width or precision fmt applies.
const maxPrintfNum = 1e6

// verb adds to total the bound of the verb at format[i:], just after its
// %, and returns the new total and where the format goes on.
func (s *printfScan) verb(i int, total uint64, limit int64) (uint64, int) {
	format := s.format
	mult := uint64(1)
	for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
		if format[i] == '#' {
			mult = 4
		}
		i++
	}
	i = s.index(i)
	width, prec := uint64(0), uint64(0)
	width, i = s.num(i)
	if i < len(format) && format[i] == '.' {
		i = s.index(i + 1)
		prec, i = s.num(i)
	}
	i = s.index(i)
	if i >= len(format) {
		return total + 16, i // %!(NOVERB)
	}
	verb, w := utf8.DecodeRuneInString(format[i:])
	i += w
	if verb == '%' {
		return total + 1, i
	}
	switch verb {
	case 'q':
		mult = 4
	case 'x', 'X':
		mult = max(mult, 3)
	}
	var n uint64 = 32 // %!v(MISSING), a number
	if a, ok := s.arg(s.argNum); ok {
		n = uint64(sizeOf(a, limit))
	}
	s.argNum++
	leaves := n/16 + 1
	total = sat(mult, n, total)
	total = sat(leaves, width+prec+32, total)
	return total, i
}

func (s *printfScan) arg(i int) (reflect.Value, bool) {
	if i < 0 || i >= s.args.Len() {
		return reflect.Value{}, false
	}
	return s.args.Index(i), true
}

// num reads a width or precision at format[i:].
func (s *printfScan) num(i int) (uint64, int) {
	format := s.format
	if i < len(format) && format[i] == '*' {
		s.argNum++
		return maxPrintfNum, i + 1
	}
	v := uint64(0)
	for i < len(format) && '0' <= format[i] && format[i] <= '9' {
		v = min(v*10+uint64(format[i]-'0'), maxPrintfNum)
		i++
	}
	return v, i
}

// index reads an argument index [n] at format[i:].
func (s *printfScan) index(i int) int {
	format := s.format
	if i < len(format) && format[i] == '[' {
		j := strings.IndexByte(format[i:], ']')
		if j < 0 {
			return i
		}
		if n, err := strconv.Atoi(format[i+1 : i+j]); err == nil {
			s.argNum, s.reordered = n-1, true
		}
		return i + j + 1
	}
	return i
}
