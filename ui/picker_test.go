package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBundledIndex reads the site's models/index.json: every model it lists is a directory of public/
// with its committed card (stories260K's weights are copied there by build.sh, from ../shared).
func TestBundledIndex(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "public", bundledIndex))
	if err != nil {
		t.Fatal(err)
	}
	models, err := readBundled(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 3 || models[0].ID != "bert-tiny-sst2" || models[2].ID != "stories260K" {
		t.Fatalf("models %+v", models)
	}
	for _, m := range models {
		for _, f := range []string{m.Path, m.Card} {
			if _, err := os.Stat(filepath.Join("..", "public", f)); err != nil {
				t.Errorf("%s: %v", m.ID, err)
			}
		}
	}
}

func TestReadBundledErrors(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{`{"models": [{"id": "x"}]}`, "model 1 has no id or no path"},
		{`[`, "models/index.json: unexpected end of JSON input"},
	} {
		if _, err := readBundled([]byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("readBundled(%s): error %v, want %q", c.data, err, c.want)
		}
	}
}
