package main

import (
	"fmt"
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
	"bertology/core/tokenizer"
)

type saliencyJSON struct {
	Method string      `json:"method"`
	Tokens []string    `json:"tokens"`
	Logit  float64     `json:"logit"`
	Scores []float64   `json:"scores"`
	Maps   [][]float64 `json:"attention_maps"`
	Graph  *struct {
		Target    int     `json:"target"`
		Threshold float64 `json:"threshold"`
		Edges     []struct {
			Layer, From, To int
			Value           float64
		} `json:"edges"`
	} `json:"graph"`
	Completeness []struct {
		Sum      float64 `json:"sum"`
		Target   float64 `json:"target"`
		RelError float64 `json:"rel_error"`
	} `json:"completeness"`
}

// TestSaliencyCommand runs every method on the golden BERT classifier and GPT-2: integrated gradients
// and attention attribution must add up to their completeness targets.
func TestSaliencyCommand(t *testing.T) {
	for _, arch := range []string{"bert", "gpt2"} {
		for _, method := range []string{"grad", "gradxinput", "ig", "attention"} {
			t.Run(arch+"/"+method, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "s.json")
				args := []string{"--model", golden.Path(t, arch, "model"), "--text", "the quick brown fox", "--method", method, "--out", out}
				if method == "attention" {
					args = append(args, "--steps", "256")
				}
				if err := runSaliency(args); err != nil {
					t.Fatal(err)
				}
				var got saliencyJSON
				golden.Decode(t, out, &got)
				want := len(got.Tokens)
				if method == "attention" {
					want = 3 * 4
				}
				if len(got.Scores) != want {
					t.Fatalf("%d scores, want %d", len(got.Scores), want)
				}
				if _, err := os.Stat(strings.TrimSuffix(out, ".json") + ".scores.npy"); err != nil {
					t.Error(err)
				}
				if (method == "attention") != (got.Graph != nil) {
					t.Fatalf("method %s with graph %v", method, got.Graph)
				}
				if method == "attention" {
					checkGraph(t, arch, got)
					for l := range 3 {
						if _, err := os.Stat(strings.TrimSuffix(out, ".json") + fmt.Sprintf(".attention_layer%d.npy", l)); err != nil {
							t.Error(err)
						}
					}
				}
				if (method == "ig" || method == "attention") != (len(got.Completeness) > 0) {
					t.Errorf("%d completeness checks", len(got.Completeness))
				}
				for _, c := range got.Completeness {
					if c.Target == 0 && c.Sum == 0 {
						t.Errorf("empty completeness %+v", c)
					}
					if arch == "bert" && c.RelError > 0.01 || math.IsNaN(c.RelError) {
						t.Errorf("completeness %+v", c)
					}
				}
			})
		}
	}
	out := filepath.Join(t.TempDir(), "s.json")
	if err := runSaliency([]string{"--model", golden.Path(t, "bert", "model"), "--text", "the fox", "--method", "nope", "--out", out}); err == nil {
		t.Error("--method nope: no error")
	}
}

// checkGraph checks the attribution graph against the maps it is built from: at most 20 edges, down
// from the position the logit reads, each the sum of its pair's attribution over the layer's heads.
func checkGraph(t *testing.T, arch string, got saliencyJSON) {
	t.Helper()
	T, g := len(got.Tokens), got.Graph
	if want := map[string]int{"bert": 0, "gpt2": T - 1}[arch]; g.Target != want {
		t.Errorf("graph from position %d, want %d", g.Target, want)
	}
	if len(g.Edges) == 0 || len(g.Edges) > 20 {
		t.Fatalf("%d edges", len(g.Edges))
	}
	top := false
	for i, e := range g.Edges {
		var sum float64
		grid := got.Maps[e.Layer]
		for h := range len(grid) / (T * T) {
			sum += grid[h*T*T+e.To*T+e.From]
		}
		if math.Abs(sum-e.Value) > 1e-9 {
			t.Errorf("edge %d %+v: the maps sum to %v", i, e, sum)
		}
		if i > 0 && math.Abs(e.Value) > math.Abs(g.Edges[i-1].Value) {
			t.Errorf("edge %d %+v stronger than the one before", i, e)
		}
		top = top || e.Layer == 2 && e.To == g.Target
	}
	if !top {
		t.Errorf("no edge into position %d at the top: %+v", g.Target, g.Edges)
	}
	t.Logf("%s: %d edges, strongest %+v", arch, len(g.Edges), g.Edges[0])
}

type patchJSON struct {
	CleanTokens     []string  `json:"clean_tokens"`
	CleanMetric     float64   `json:"clean_metric"`
	CorruptedMetric float64   `json:"corrupted_metric"`
	Layers          int       `json:"layers"`
	Residual        []float64 `json:"residual"`
	Heads           []float64 `json:"heads_map"`
}

func TestPatchCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.json")
	m := golden.Path(t, "bert", "model")
	if err := runPatch([]string{"--model", m, "--clean", "the quick brown fox", "--corrupted", "the lazy brown fox", "--out", out}); err != nil {
		t.Fatal(err)
	}
	var got patchJSON
	golden.Decode(t, out, &got)
	T := len(got.CleanTokens)
	if len(got.Residual) != (got.Layers+1)*T || len(got.Heads) != got.Layers*4 {
		t.Fatalf("maps of %d and %d cells for %d layers and %d tokens", len(got.Residual), len(got.Heads), got.Layers, T)
	}
	// The last block's output at [CLS], the row the classifier reads, carries the whole clean metric.
	if v := got.Residual[got.Layers*T]; math.Abs(v-1) > 1e-9 {
		t.Errorf("final residual stream at [CLS] patched: %v, want 1", v)
	}
	for _, name := range []string{"residual", "heads"} {
		if _, err := os.Stat(strings.TrimSuffix(out, ".json") + "." + name + ".npy"); err != nil {
			t.Error(err)
		}
	}
	err := runPatch([]string{"--model", m, "--clean", "the quick brown fox", "--corrupted", "the fox", "--out", out})
	if err == nil || !strings.Contains(err.Error(), "as long") {
		t.Errorf("texts of different lengths: %v", err)
	}
	if err := runPatch([]string{"--model", m, "--clean", "the fox", "--corrupted", "the dog", "--tokens", "a,b", "--out", out}); err == nil {
		t.Error("--tokens on a classifier: no error")
	}
}

type ablationJSON struct {
	Tokens   []string  `json:"tokens"`
	Mode     string    `json:"mode"`
	MeanOver int       `json:"mean_over"`
	Layers   int       `json:"layers"`
	Heads    int       `json:"heads"`
	Metric   float64   `json:"metric"`
	Ablated  []float64 `json:"ablated"`
}

// TestPatchAblateCommand ablates each head of the golden BERT classifier to zero, checked against
// masking the head, and to its mean over four SST-2 examples.
func TestPatchAblateCommand(t *testing.T) {
	dir := golden.Path(t, "bert", "model")
	sst2 := golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv")
	out := filepath.Join(t.TempDir(), "a.json")
	ablated := map[string]ablationJSON{}
	for _, mode := range []string{"zero", "mean"} {
		args := []string{"--model", dir, "--clean", "the quick brown fox", "--ablate", mode, "--out", out}
		if mode == "mean" {
			args = append(args, "--data", sst2, "--subset", "4")
		}
		if err := runPatch(args); err != nil {
			t.Fatal(err)
		}
		var got ablationJSON
		golden.Decode(t, out, &got)
		if got.Mode != mode || len(got.Ablated) != got.Layers*got.Heads || got.Layers != 3 {
			t.Fatalf("%s: mode %q, %d values for %d×%d heads", mode, got.Mode, len(got.Ablated), got.Layers, got.Heads)
		}
		if want := map[string]int{"zero": 0, "mean": 4}[mode]; got.MeanOver != want {
			t.Errorf("%s: mean over %d examples, want %d", mode, got.MeanOver, want)
		}
		if _, err := os.Stat(strings.TrimSuffix(out, ".json") + ".ablation.npy"); err != nil {
			t.Error(err)
		}
		ablated[mode] = got
	}
	ck, err := checkpoint.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := loadTokenizer(modelSource{nameOrPath: dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tok.Encode("the quick brown fox", "", false, tokenizer.Options{MaxLength: 512, Truncate: true})
	if err != nil {
		t.Fatal(err)
	}
	zero := ablated["zero"]
	layers, heads := m.Shape()
	for i, v := range zero.Ablated {
		mask := make([]float32, layers*heads)
		for j := range mask {
			mask[j] = 1
		}
		mask[i] = 0
		o, err := m.Forward(sentenceBatch(m, enc), model.Options{HeadMask: mask})
		if err != nil {
			t.Fatal(err)
		}
		if want := float64(o.Logits.Data[1]) - float64(o.Logits.Data[0]); math.Abs(v-want) > 1e-5 {
			t.Errorf("head %d zeroed: %v, masked %v", i, v, want)
		}
	}
	if slices.Equal(zero.Ablated, ablated["mean"].Ablated) || zero.Metric != ablated["mean"].Metric {
		t.Errorf("zero %v and mean %v ablation", zero, ablated["mean"])
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ablate", "one"}, "zero or mean"},
		{[]string{"--ablate", "mean"}, "needs --data"},
		{[]string{"--ablate", "zero", "--corrupted", "the lazy brown fox"}, "no --corrupted"},
		{[]string{"--ablate", "zero", "--data", sst2}, "--data is for"},
		{nil, "--corrupted is required"},
	} {
		err := runPatch(append([]string{"--model", dir, "--clean", "the quick brown fox", "--out", out}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}
