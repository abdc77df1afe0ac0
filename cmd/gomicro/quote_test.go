package main

import "testing"

func TestQuote(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain.txt", "plain.txt"},
		{"dir/naïve café.txt", "dir/naïve café.txt"},
		{`say "hi" \ there`, `say "hi" \ there`},
		{"", ""},
		{"a\nb", `"a\nb"`},
		{"x\n.: upgraded demo 1.0.0 -> 9.9.9 (all clean)", `"x\n.: upgraded demo 1.0.0 -> 9.9.9 (all clean)"`},
		{"\x1b[2Jclear", `"\033[2Jclear"`},
		{"tab\there", `"tab\there"`},
		{"cr\r\"q\"\\", `"cr\r\"q\"\\"`},
		{"bell\a\b\v\f", `"bell\a\b\v\f"`},
		{"del\x7f", `"del\177"`},
		{"bad\xffutf8", `"bad\377utf8"`},
		{"rtl\u202egnp.exe", `"rtl\342\200\256gnp.exe"`},
		{"zero\u200bwidth", `"zero\342\200\213width"`},
		{"nbsp\u00a0", `"nbsp\302\240"`},
	} {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
