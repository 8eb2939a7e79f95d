package glue

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"bertology/core/golden"
)

// TestReadText checks the lines LineByLineTextDataset would keep:
// [l for l in f.read().splitlines() if len(l) > 0 and not l.isspace()].
func TestReadText(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"WikiText", " \n = Homarus gammarus = \n \n Homarus gammarus , known as the European lobster .\n \n",
			[]string{" = Homarus gammarus = ", " Homarus gammarus , known as the European lobster ."}},
		{"line ends", "a\r\nb\rc\nd\ve\ff\x1cg\x1dh\x1ei\u0085j\u2028k\u2029l",
			[]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}},
		{"white space lines", "a\n\t \n\x1f\n\u00a0\u3000\n\u200bz\n", []string{"a", "\u200bz"}},
		{"BOM", "\uFEFFfirst\nsecond", []string{"first", "second"}},
		{"kept as is", "  tabs\tinside  \n", []string{"  tabs\tinside  "}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadText(strings.NewReader(c.text))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestReadTextErrors(t *testing.T) {
	if _, err := ReadText(strings.NewReader(" \n\n\t\n")); err == nil || !strings.Contains(err.Error(), "no lines") {
		t.Errorf("blank text: error %v", err)
	}
	_, err := ReadText(strings.NewReader("fine\r\nbroken \xc3\x28\n"))
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("invalid UTF-8: error %v, want line 2", err)
	}
}

// TestReadWikiText reads WikiText-2's validation split; the count and SHA-256 of the lines (each
// followed by "\n") are those of LineByLineTextDataset's list.
func TestReadWikiText(t *testing.T) {
	f, err := os.Open(golden.SharedPath(t, "data", "wikitext-2", "wiki.valid.tokens"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := ReadText(f)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l + "\n"))
	}
	if len(lines) != 2461 || hex.EncodeToString(h.Sum(nil)) != "a3c995f97e3c638c50876bdfe8a82b0aa5113355f3e71d9c0f82eb37eba0812b" {
		t.Errorf("%d lines, SHA-256 %x; want 2461 lines, a3c995f9...", len(lines), h.Sum(nil))
	}
	if lines[0] != " = Homarus gammarus = " {
		t.Errorf("first line %q", lines[0])
	}
}
