package main

import textquote "github.com/gomicro/gomicro/internal/quote"

// quote is how gomicro prints a name or value that came from a template or
// a project: see quote.Name.
func quote(s string) string { return textquote.Name(s) }

// quoteAll is names, each quoted as quote does, joined by ", ".
func quoteAll(names []string) string { return textquote.All(names) }
