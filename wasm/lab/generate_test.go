package lab

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
	"bertology/wasm/protocol"
)

// TestGenerate asks the lab to continue "Once upon a time" greedily with stories260K's Hugging Face
// directory, and expects run.c's next 20 ids (generation.json) with a progress report per token; the
// same seed samples the same tokens; BERT cannot generate, and the lab says so.
func TestGenerate(t *testing.T) {
	dir := golden.Path(t, "stories260K", "hf")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if files[e.Name()], err = os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	l := New()
	if _, err := l.LoadModel(context.Background(), &protocol.LoadModelRequest{Files: files}, noReport); err != nil {
		t.Fatal(err)
	}
	var g struct {
		Runs map[string]struct {
			RunCIDs   []int  `json:"run_c_ids"`
			HFDecoded string `json:"hf_decoded"`
		} `json:"runs"`
	}
	golden.Decode(t, golden.Path(t, "stories260K", "generation.json"), &g)
	want := g.Runs["once_upon_a_time"]
	var phases []protocol.Progress
	got, err := l.Handle(context.Background(), protocol.OpGenerate, map[string]any{"prompt": "Once upon a time", "maxNewTokens": 20.0}, func(p protocol.Progress) { phases = append(phases, p) })
	if err != nil {
		t.Fatal(err)
	}
	res := got.(*protocol.GenerateResult)
	if !slices.Equal(res.PromptIDs, want.RunCIDs[:5]) || !slices.Equal(res.IDs, want.RunCIDs[5:25]) || !strings.HasPrefix(want.HFDecoded, res.Text) || len(res.Tokens) != 20 {
		t.Errorf("generated %v %v %q, want %v %v, a prefix of %q", res.PromptIDs, res.IDs, res.Text, want.RunCIDs[:5], want.RunCIDs[5:25], want.HFDecoded)
	}
	if last := phases[len(phases)-1]; last.Phase != "generate" || last.Done != 20 || last.Total != 20 {
		t.Errorf("last progress %+v, want generate 20 of 20", last)
	}
	sample := func() []int {
		got, err := l.Handle(context.Background(), protocol.OpGenerate, map[string]any{"prompt": "Once", "maxNewTokens": 10.0, "temperature": 1.0, "topP": 0.9, "seed": 5.0}, noReport)
		if err != nil {
			t.Fatal(err)
		}
		return got.(*protocol.GenerateResult).IDs
	}
	if a, b := sample(), sample(); !slices.Equal(a, b) || len(a) == 0 {
		t.Errorf("seed 5 twice: %v, %v", a, b)
	}
	if _, err := loadBERT(t).Handle(context.Background(), protocol.OpGenerate, map[string]any{"prompt": "hello"}, noReport); err == nil || !strings.Contains(err.Error(), "causal language model") {
		t.Errorf("BERT: %v, want an error about the causal language model it is not", err)
	}
	if _, err := l.Handle(context.Background(), protocol.OpGenerate, map[string]any{"prompt": "x", "maxNewTokens": -1.0}, noReport); err == nil {
		t.Error("negative max new tokens: no error")
	}
}
