package generator

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The files: map of .gomicro.yml holds a line per generated file. Written
// through yaml.v3, a 5000-file manifest took about 40 ms of an upgrade's
// CPU: reflection, its natural sort of the keys and its analysis of every
// scalar. Where every key is a path and every value a blob id that yaml
// writes plain, writePlainFiles writes the same bytes itself; anything
// else (a key yaml would quote, an id that reads as a number) goes through
// yaml as before. TestWritePlainFilesAsYAML holds the two to the same bytes.

// writePlainFiles writes files as yaml.v3 writes the map under the key
// "files" at indent 2, and reports whether it did: false, nothing
// written, when a key is not one whose place in yaml's order it knows, or
// an entry yaml writes on more than one line.
func writePlainFiles(buf *bytes.Buffer, files map[string]string) bool {
	if len(files) == 0 {
		return false // yaml writes {}
	}
	keys := make([]string, 0, len(files))
	for k := range files {
		if !pathKey(k) {
			return false
		}
		keys = append(keys, k)
	}
	sortYAMLKeys(keys)
	start := buf.Len()
	buf.Grow(len(keys) * (len(keys[0]) + 48))
	buf.WriteString("files:\n")
	for _, k := range keys {
		v := files[k]
		if !plainKey(k) || !plainBlobID(v) {
			// Rare (a key like "true", an id of digits): yaml's own line.
			line, err := yaml.Marshal(map[string]string{k: v})
			if err != nil || bytes.IndexByte(line, '\n') != len(line)-1 {
				buf.Truncate(start) // nothing written
				return false
			}
			buf.WriteString("  ")
			buf.Write(line)
			continue
		}
		buf.WriteString("  ")
		buf.WriteString(k)
		buf.WriteString(": ")
		buf.WriteString(v)
		buf.WriteByte('\n')
	}
	return true
}

// pathKey reports whether s is a key sortYAMLKeys orders as yaml does:
// letters, digits and _ . / - only.
func pathKey(s string) bool {
	for i := 0; i < len(s); i++ {
		if !pathByte(s[i]) {
			return false
		}
	}
	return true
}

// plainKey reports whether yaml.v3 writes s as a plain simple key: at
// most 128 bytes of letters, digits and _ . / -, and nothing its resolver
// reads as another type than a string. It decides by the first byte, as
// the resolver does: most bytes start only strings; y, n, t, f, o start
// the few words it reads as bools and nulls; a dot starts .inf, .nan and
// floats; a digit or sign starts numbers and dates, none of which holds a
// slash.
func plainKey(s string) bool {
	if s == "" || len(s) > 128 || !pathKey(s) {
		return false
	}
	switch c := s[0]; {
	case strings.IndexByte("yYnNtTfFoO", c) >= 0:
		switch strings.ToLower(s) {
		case "y", "yes", "n", "no", "true", "false", "on", "off", "null":
			return false
		}
		return true
	case c == '.':
		switch strings.ToLower(s) {
		case ".inf", ".nan":
			return false
		}
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	case c == '-' || '0' <= c && c <= '9':
		return strings.Contains(s, "/")
	}
	return true
}

func pathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-'
}

// plainBlobID reports whether s is a lowercase hex blob id that yaml.v3
// writes plain: one with a letter that no number holds (a, c, d or f: e
// makes a float exponent, b a binary prefix). About one id in 100,000 is
// of digits, b and e only, and left to yaml.
func plainBlobID(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'a' || c == 'c' || c == 'd' || c == 'f':
			letter = true
		case '0' <= c && c <= '9' || c == 'b' || c == 'e':
		default:
			return false
		}
	}
	return letter && len(s) <= 128
}

// sortYAMLKeys sorts keys as yaml.v3 orders a map's string keys (its
// keyList.Less), for keys of ASCII bytes only (plainKey's): letters in
// byte order, a run of digits by its number, so that f2 comes before f10.
func sortYAMLKeys(keys []string) {
	slices.SortFunc(keys, func(a, b string) int {
		switch {
		case yamlKeyLess(a, b):
			return -1
		case yamlKeyLess(b, a):
			return 1
		}
		return 0
	})
}

// yamlKeyLess is yaml.v3's keyList.Less for two ASCII strings.
func yamlKeyLess(a, b string) bool {
	digits := false
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			digits = isDigit(a[i])
			continue
		}
		al, bl := isLetter(a[i]), isLetter(b[i])
		if al && bl {
			return a[i] < b[i]
		}
		if al || bl {
			if digits {
				return al
			}
			return bl
		}
		var an, bn int64
		if a[i] == '0' || b[i] == '0' {
			for j := i - 1; j >= 0 && isDigit(a[j]); j-- {
				if a[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		ai, bi := i, i
		for ; ai < len(a) && isDigit(a[ai]); ai++ {
			an = an*10 + int64(a[ai]-'0')
		}
		for ; bi < len(b) && isDigit(b[bi]); bi++ {
			bn = bn*10 + int64(b[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return a[i] < b[i]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
