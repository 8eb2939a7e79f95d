//go:build e2e

package e2e

import (
	"path/filepath"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/tokenizer"
)

// defaultModelDir is the page's default model as the site serves it (build.sh copies it there), so that
// the tests expect what the page opens, whichever model that is.
var defaultModelDir = filepath.Join(siteDir, "models", "default")

// bundledGPT2 is the GPT-2 served with the site, which the page opens by its URL.
const bundledGPT2 = "/models/gpt2-tiny-sst2/"

// loadModel reads a model directory as the page's lab does.
func loadModel(t testing.TB, dir string) *checkpoint.Checkpoint {
	t.Helper()
	ck, err := checkpoint.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// tokenize returns the tokens the model's tokenizer makes of text, special tokens included: what the
// page should show for it.
func tokenize(t testing.TB, ck *checkpoint.Checkpoint, text string) []string {
	t.Helper()
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tok.Encode(text, "", false, tokenizer.Options{})
	if err != nil {
		t.Fatalf("tokenizing %q: %v", text, err)
	}
	return enc.Tokens
}
