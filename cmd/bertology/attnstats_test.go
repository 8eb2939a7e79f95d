package main

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/analysis"
	"bertology/core/attnstats"
	"bertology/core/golden"
)

type attnStatsJSON struct {
	Task          string                    `json:"task"`
	Examples      int                       `json:"examples"`
	Tokens        int                       `json:"tokens"`
	Layers        int                       `json:"layers"`
	Heads         int                       `json:"heads"`
	SpecialTokens []string                  `json:"special_tokens"`
	Statistics    map[string]*golden.Tensor `json:"statistics"`
	Top           map[string][]struct {
		Layer int     `json:"layer"`
		Head  int     `json:"head"`
		Score float64 `json:"score"`
	} `json:"top"`
}

// TestAttnStatsCommand runs attn-stats over the golden sentences, written as an SST-2 file and batched two
// at a time, and expects the statistics of Hugging Face's attentions of those sentences.
func TestAttnStatsCommand(t *testing.T) {
	for _, tc := range []struct {
		arch      string
		sentences []string
	}{
		{"gpt2", []string{"the quick brown fox jumps over the lazy dog.", "hello world!", "this movie is great"}},
		{"distilbert", []string{"the quick brown fox jumps over the lazy dog", "hello world!", "this movie is great"}},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "dev.tsv")
			tsv := "sentence\tlabel\n" + strings.Join(tc.sentences, "\t0\n") + "\t0\n"
			if err := os.WriteFile(data, []byte(tsv), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "stats.json")
			modelDir := golden.Path(t, tc.arch, "model")
			args := []string{"--model", modelDir, "--data", data, "--batch-size", "2", "--top", "3", "--out", out}
			if err := runAttnStats(args, io.Discard); err != nil {
				t.Fatal(err)
			}
			var got attnStatsJSON
			golden.Decode(t, out, &got)

			g := loadGoldenRun(t, tc.arch)
			_, tok, err := loadModelAndTokenizer(modelSource{nameOrPath: modelDir}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			acc := attnstats.New(got.Layers, got.Heads, analysis.SpecialTokens(tok))
			tokens := 0
			for b := range tc.sentences {
				ids := g.realIDs(b)
				tokens += len(ids)
				if err := acc.Add(analysis.TokenStrings(tok, ids), g.attention(t, b)); err != nil {
					t.Fatal(err)
				}
			}
			want := acc.Result()
			if got.Task != "sst-2" || got.Examples != 3 || got.Tokens != tokens || got.Layers != 3 || got.Heads != 4 {
				t.Fatalf("%s: %d examples, %d tokens, %d layers of %d heads; want sst-2, 3, %d, 3 of 4", got.Task, got.Examples, got.Tokens, got.Layers, got.Heads, tokens)
			}
			for s := range attnstats.NumStatistics {
				key := s.Key()
				values := got.Statistics[key]
				golden.AssertClose(t, key, values.F32(), &golden.Tensor{Shape: []int{3, 4}, Data: want.Mean[s]}, 1e-5)
				assertNpy(t, filepath.Join(dir, "stats."+key+".npy"), values)
				top := got.Top[key]
				if len(top) != 3 {
					t.Fatalf("%s: %d top heads, want 3", key, len(top))
				}
				for r, h := range top {
					if math.Abs(h.Score-want.At(s, h.Layer, h.Head)) > 1e-5 || (r > 0 && h.Score > top[r-1].Score) {
						t.Errorf("%s: top %d is layer %d head %d with %v; Hugging Face's attentions give %v", key, r, h.Layer, h.Head, h.Score, want.At(s, h.Layer, h.Head))
					}
					if ref := want.Top(s, 3)[r].Score; math.Abs(h.Score-ref) > 1e-5 {
						t.Errorf("%s: top %d score %v, want %v", key, r, h.Score, ref)
					}
				}
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "x.json")
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--model", golden.Path(t, "gpt2", "model"), "--data", golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"), "--batch-size", "0", "--out", out},
				"batch size 0"},
		} {
			if err := runAttnStats(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
			}
		}
	})
}

// TestAttnStatsCommandPrunedModel runs attn-stats through the golden GPT-2 pruned to 3, 4 and 2 heads
// and expects the statistics of Hugging Face's attentions of the pruned model, at the heads' original
// numbers, with none (NaN in the .npy, null in the JSON) for the pruned heads.
func TestAttnStatsCommandPrunedModel(t *testing.T) {
	sentences := []string{"the quick brown fox jumps over the lazy dog.", "hello world!", "this movie is great"}
	dir := t.TempDir()
	data := filepath.Join(dir, "dev.tsv")
	if err := os.WriteFile(data, []byte("sentence\tlabel\n"+strings.Join(sentences, "\t0\n")+"\t0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "stats.json")
	modelDir := golden.Path(t, "gpt2", "pruned_model")
	if err := runAttnStats([]string{"--model", modelDir, "--data", data, "--batch-size", "2", "--top", "12", "--out", out}, io.Discard); err != nil {
		t.Fatal(err)
	}
	var got attnStatsJSON
	golden.Decode(t, out, &got)
	g := loadGoldenRun(t, "gpt2")
	_, tok, err := loadModelAndTokenizer(modelSource{nameOrPath: modelDir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	acc := attnstats.New(3, 4, analysis.SpecialTokens(tok))
	for b := range sentences {
		if err := acc.Add(analysis.TokenStrings(tok, g.realIDs(b)), g.prunedAttention(t, b)); err != nil {
			t.Fatal(err)
		}
	}
	want := acc.Result()
	if got.Layers != 3 || got.Heads != 4 || got.Examples != 3 {
		t.Fatalf("%d layers of %d heads, %d examples; want 3 of 4, 3", got.Layers, got.Heads, got.Examples)
	}
	for s := range attnstats.NumStatistics {
		key := s.Key()
		_, npy := readNpy(t, filepath.Join(dir, "stats."+key+".npy"))
		for l := range 3 {
			for h := range 4 {
				k := l*4 + h
				kept := slices.Contains(goldenKept[l], h)
				if kept == math.IsNaN(float64(npy[k])) || kept && math.Abs(got.Statistics[key].Data[k]-want.At(s, l, h)) > 1e-5 {
					t.Errorf("%s of layer %d head %d: %v (npy %v), Hugging Face's pruned attentions give %v", key, l, h, got.Statistics[key].Data[k], npy[k], want.At(s, l, h))
				}
			}
		}
		for _, h := range got.Top[key] {
			if !slices.Contains(goldenKept[h.Layer], h.Head) {
				t.Errorf("%s: pruned head layer %d head %d among the top", key, h.Layer, h.Head)
			}
		}
	}
}
