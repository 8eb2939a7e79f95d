package main

import (
	"regexp"
	"strings"
)

// ErrorBox shows a failure where it happened (error-box.vugu): what went wrong in words, and the
// error as the lab or the page wrote it behind a "details" toggle. One shows at a time, so its id
// (#error) is the page's.
type ErrorBox struct {
	Err string // the whole error
}

// internalPrefix is one of the prefixes Go's errors gather on their way up: an op's or a package's
// name ("loadModel: ", "checkpoint: "), one word without spaces, dots or slashes, so that a file's
// name ("dev.tsv: ") or a place ("line 2: ") stays.
var internalPrefix = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*: `)

// shortError is err without its internal prefixes, its first letter upper case unless it starts with
// a name (a file's: "dev.tsv fits no ...").
func shortError(err string) string {
	s := err
	for {
		loc := internalPrefix.FindStringIndex(s)
		if loc == nil || loc[1] == len(s) {
			break
		}
		s = s[loc[1]:]
	}
	if s == "" {
		return err
	}
	if word, _, _ := strings.Cut(s, " "); strings.ContainsAny(word, "./_0123456789") {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
