package main

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/probe"
)

type probeJSON struct {
	Task     string   `json:"task"`
	Pool     string   `json:"pool"`
	Samples  int      `json:"samples"`
	Dim      int      `json:"dim"`
	Classes  []string `json:"classes"`
	Majority float64  `json:"majority_class_share"`
	Layers   []struct {
		Layer      int     `json:"layer"`
		Train      float64 `json:"train_accuracy"`
		HeldOut    float64 `json:"held_out_accuracy"`
		NTrain     int     `json:"n_train"`
		NHeldOut   int     `json:"n_held_out"`
		Loss       float64 `json:"loss"`
		Iterations int     `json:"iterations"`
	} `json:"layers"`
	ExpectedLayer   *float64 `json:"expected_layer"`
	CentreOfGravity *float64 `json:"centre_of_gravity"`
	Notes           []string `json:"notes"`
}

// TestProbeCommand probes the golden BERT on the golden SST-2 file and expects one score per hidden state
// (layers + 1), equal to probes trained on the [CLS] vectors of the inputs run_bertology.py evaluated.
func TestProbeCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "probe.json")
	args := []string{"--model", golden.Path(t, "bert", "model"), "--data", golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"),
		"--max-seq-length", "16", "--batch-size", "5", "--out", out}
	if err := runProbe(args, io.Discard); err != nil {
		t.Fatal(err)
	}
	var got probeJSON
	golden.Decode(t, out, &got)

	// The reference: Hugging Face's input ids for the same file, one padded batch, [CLS] pooling.
	var features struct {
		Features []struct {
			InputIDs      []int `json:"input_ids"`
			AttentionMask []int `json:"attention_mask"`
			TokenTypeIDs  []int `json:"token_type_ids"`
			Label         int   `json:"label"`
		} `json:"features"`
	}
	golden.Decode(t, golden.Path(t, "run_bertology", "features.json"), &features)
	b := &model.Batch{Size: len(features.Features), SeqLen: 16}
	var labels []int
	for _, f := range features.Features {
		b.InputIDs = append(b.InputIDs, f.InputIDs...)
		b.AttentionMask = append(b.AttentionMask, f.AttentionMask...)
		b.TokenTypeIDs = append(b.TokenTypeIDs, f.TokenTypeIDs...)
		labels = append(labels, f.Label)
	}
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	o, err := m.Forward(b, model.Options{HiddenStates: true})
	if err != nil {
		t.Fatal(err)
	}
	D := ck.Config.HiddenSize
	var layers [][]float64
	for _, h := range o.HiddenStates {
		x, err := probe.SentenceFeatures(h.Data, b.Size, b.SeqLen, D, b.AttentionMask, probe.First)
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, x)
	}
	want, err := probe.EvaluateLayers(t.Context(), layers, b.Size, D, labels, 2, probe.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}

	if got.Task != "sst-2" || got.Pool != "first" || got.Samples != 12 || got.Dim != D || !slices.Equal(got.Classes, []string{"negative", "positive"}) || got.Majority != 0.5 {
		t.Errorf("task %s, pool %s, %d samples of %d, classes %q, majority %v", got.Task, got.Pool, got.Samples, got.Dim, got.Classes, got.Majority)
	}
	if len(got.Layers) != len(o.HiddenStates) || len(got.Layers) != ck.Config.NumLayers+1 {
		t.Fatalf("%d layers scored, want one per hidden state: %d", len(got.Layers), ck.Config.NumLayers+1)
	}
	for l, s := range got.Layers {
		w := want[l]
		if s.Layer != l || s.Train != w.Train || s.HeldOut != w.HeldOut || s.NTrain != w.NTrain || s.NHeldOut != w.NHeldOut || math.Abs(s.Loss-w.Loss) > 1e-6 {
			t.Errorf("layer %d: %+v, want %+v", l, s, w)
		}
	}
	curve := probe.HeldOutAccuracies(want)
	if e, err := probe.ExpectedLayer(curve); (err == nil) != (got.ExpectedLayer != nil) || (err == nil && math.Abs(*got.ExpectedLayer-e) > 1e-12) {
		t.Errorf("expected layer %v, want %v (%v)", got.ExpectedLayer, e, err)
	}
	if c, err := probe.CentreOfGravity(curve); (err == nil) != (got.CentreOfGravity != nil) || (err == nil && math.Abs(*got.CentreOfGravity-c) > 1e-12) {
		t.Errorf("centre of gravity %v, want %v (%v)", got.CentreOfGravity, c, err)
	}
	if (got.ExpectedLayer == nil || got.CentreOfGravity == nil) && len(got.Notes) == 0 {
		t.Errorf("a summary is null but no note says why")
	}
}

// TestProbeTags probes every word of a small tagged text at its first sub-word.
func TestProbeTags(t *testing.T) {
	dir := t.TempDir()
	tags := filepath.Join(dir, "tags.txt")
	sentences := [][2]string{
		{"the quick brown fox jumps", "DET ADJ ADJ NOUN VERB"},
		{"hello world !", "INTJ NOUN PUNCT"},
		{"this movie is great", "DET NOUN VERB ADJ"},
		{"the lazy dog", "DET ADJ NOUN"},
		{"this film is terrible", "DET NOUN VERB ADJ"},
		{"the dog jumps over the fox", "DET NOUN VERB ADP DET NOUN"},
	}
	var text strings.Builder
	words := 0
	for _, s := range sentences {
		ws, ts := strings.Fields(s[0]), strings.Fields(s[1])
		for i := range ws {
			text.WriteString(ws[i] + "\t" + ts[i] + "\n")
		}
		text.WriteString("\n")
		words += len(ws)
	}
	if err := os.WriteFile(tags, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"bert", "gpt2"} {
		t.Run(arch, func(t *testing.T) {
			out := filepath.Join(dir, arch+".json")
			args := []string{"--model", golden.Path(t, arch, "model"), "--data", tags, "--tags", "--held-out", "0.25", "--out", out}
			if err := runProbe(args, io.Discard); err != nil {
				t.Fatal(err)
			}
			var got probeJSON
			golden.Decode(t, out, &got)
			if got.Task != "tags" || got.Pool != "" || got.Samples != words || got.Dim != 32 {
				t.Errorf("task %q, pool %q, %d samples of %d, want tags, no pool, %d of 32", got.Task, got.Pool, got.Samples, got.Dim, words)
			}
			if want := []string{"ADJ", "ADP", "DET", "INTJ", "NOUN", "PUNCT", "VERB"}; !slices.Equal(got.Classes, want) {
				t.Errorf("classes %q, want %q", got.Classes, want)
			}
			if len(got.Layers) != 4 {
				t.Fatalf("%d layers, want 4", len(got.Layers))
			}
			for _, s := range got.Layers {
				if s.NTrain+s.NHeldOut != words || s.NHeldOut != 6 || s.Train < 0 || s.Train > 1 || s.HeldOut < 0 || s.HeldOut > 1 {
					t.Errorf("layer %+v: want %d samples, 6 held out", s, words)
				}
			}
			// Every word's embedding alone tells its tag apart from most others: at layer 0 the probe fits
			// its training words.
			if got.Layers[0].Train < 0.9 {
				t.Errorf("layer 0 training accuracy %v, want ≥ 0.9", got.Layers[0].Train)
			}
		})
	}
}

func TestProbeErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.json")
	dev := golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv")
	stsb := filepath.Join(t.TempDir(), "sts.tsv")
	if err := os.WriteFile(stsb, []byte("index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n0\tg\tf\t2012\t0\ts\ts\ta man\ta woman\t2.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", dev, "--pool", "max"}, `--pool "max": want first, last or mean`},
		{[]string{"--data", stsb, "--task", "sts-b"}, "task sts-b is a regression"},
		{[]string{"--data", stsb, "--tags"}, "want token<TAB>tag, found 10 tab-separated fields"},
		{[]string{"--data", dev, "--subset", "1"}, "cannot split 1 samples"},
	} {
		args := append([]string{"--model", golden.Path(t, "bert", "model"), "--out", out}, tc.args...)
		if err := runProbe(args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
