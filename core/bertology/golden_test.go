package bertology

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"bertology/core/f64"
	"bertology/core/golden"
	"bertology/core/model"
)

// goldenRun is compute_heads_importance's record in a golden file.
type goldenRun struct {
	BatchSize    int              `json:"batch_size"`
	NumBatches   int              `json:"num_batches"`
	TotTokens    float64          `json:"tot_tokens"`
	FreshGrads   []*golden.Tensor `json:"per_batch_fresh_head_mask_grad"`
	VariantByKey map[string]struct {
		Importance *golden.Tensor `json:"head_importance"`
		Entropy    *golden.Tensor `json:"attn_entropy"`
		Ranks      *golden.Tensor `json:"head_ranks"`
		Log        []string       `json:"log"`
	} `json:"variants"`
}

type goldenFile struct {
	Inputs struct {
		InputIDs      *golden.Tensor `json:"input_ids"`
		AttentionMask *golden.Tensor `json:"attention_mask"`
		TokenTypeIDs  *golden.Tensor `json:"token_type_ids"`
		Labels        *golden.Tensor `json:"labels"`
	} `json:"inputs"`
	Forward struct {
		Attentions []*golden.Tensor `json:"attentions"`
	} `json:"forward"`
	Bertology struct {
		FullBatch  goldenRun `json:"full_batch"`
		BatchSize1 goldenRun `json:"batch_size_1"`
	} `json:"bertology"`
	Masked struct {
		Loss       float64          `json:"loss"`
		HeadMask   *golden.Tensor   `json:"head_mask"`
		Attentions []*golden.Tensor `json:"attentions"`
		FullBatch  goldenRun        `json:"bertology_full_batch"`
	} `json:"masked"`
}

var variants = map[string]Normalization{
	"layer_and_global": {ByLayer: true, Global: true},
	"raw":              {},
	"layer_only":       {ByLayer: true},
	"global_only":      {Global: true},
}

// replay is a Runner that answers with recorded reference attentions and gradients, so the importance
// arithmetic is checked apart from the model.
type replay struct {
	layers, heads int
	steps         []*Step
	calls         int
}

func (r *replay) Shape() (int, int) { return r.layers, r.heads }

func (r *replay) Run(b *model.Batch, headMask []float32, want Want) (*Step, error) {
	if r.calls >= len(r.steps) {
		return nil, fmt.Errorf("replay: no step %d recorded", r.calls)
	}
	r.calls++
	return r.steps[r.calls-1], nil
}

// splitBatches cuts the golden inputs into batches of size bs and records for each the reference
// attentions (sliced per example) and the fresh head-mask gradient of that batch.
func splitBatches(g *goldenFile, attentions []*golden.Tensor, run goldenRun) ([]*model.Batch, *replay) {
	B, T := g.Inputs.InputIDs.Shape[0], g.Inputs.InputIDs.Shape[1]
	layers, heads := len(attentions), attentions[0].Shape[1]
	ids, mask := g.Inputs.InputIDs.Ints(), g.Inputs.AttentionMask.Ints()
	rp := &replay{layers: layers, heads: heads}
	var batches []*model.Batch
	for k, start := 0, 0; start < B; k, start = k+1, start+run.BatchSize {
		end := min(start+run.BatchSize, B)
		batches = append(batches, &model.Batch{Size: end - start, SeqLen: T,
			InputIDs: ids[start*T : end*T], AttentionMask: mask[start*T : end*T]})
		step := &Step{HeadMaskGrad: run.FreshGrads[k].F32()}
		per := heads * T * T
		for _, a := range attentions {
			step.Attentions = append(step.Attentions, a.F32()[start*per:end*per])
		}
		rp.steps = append(rp.steps, step)
	}
	return batches, rp
}

func TestImportanceMatchesScript(t *testing.T) {
	for _, arch := range []string{"bert", "bert-mlm", "distilbert", "gpt2", "openai-gpt", "llama"} {
		var g goldenFile
		golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
		cases := []struct {
			name       string
			run        goldenRun
			attentions []*golden.Tensor
			mask       *golden.Tensor
		}{
			{"full_batch", g.Bertology.FullBatch, g.Forward.Attentions, nil},
			{"batch_size_1", g.Bertology.BatchSize1, g.Forward.Attentions, nil},
			{"masked_full_batch", g.Masked.FullBatch, g.Masked.Attentions, g.Masked.HeadMask},
		}
		for _, c := range cases {
			for vname, norm := range variants {
				v, ok := c.run.VariantByKey[vname]
				if !ok {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/%s", arch, c.name, vname), func(t *testing.T) {
					batches, rp := splitBatches(&g, c.attentions, c.run)
					opt := Options{Mode: ModeScript, Normalization: norm, Entropy: true, Importance: true}
					if c.mask != nil {
						opt.HeadMask = c.mask.F32()
					}
					imp, err := ComputeImportance(t.Context(), rp, batches, opt)
					if err != nil {
						t.Fatal(err)
					}
					if imp.TotTokens != c.run.TotTokens {
						t.Errorf("tot_tokens %v, want %v", imp.TotTokens, c.run.TotTokens)
					}
					golden.AssertClose(t, "head_importance", f64.ToFloat32(imp.Importance), v.Importance, 1e-5)
					golden.AssertClose(t, "attn_entropy", f64.ToFloat32(imp.Entropy), v.Entropy, 1e-5)
					for i, r := range v.Ranks.Ints() {
						if imp.Ranks[i] != r {
							t.Fatalf("ranks %v, want %v", imp.Ranks, v.Ranks.Ints())
						}
					}
					assertSameLog(t, imp.Log(), v.Log)
				})
			}
		}
	}
}

// assertSameLog compares log lines field by field; numbers may differ in the last printed digit, since
// values within 1e-5 of the reference can round the other way.
func assertSameLog(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d log lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		g, w := strings.Split(got[i], "\t"), strings.Split(want[i], "\t")
		same := len(g) == len(w)
		for j := 0; same && j < len(w); j++ {
			if g[j] == w[j] {
				continue
			}
			gv, err1 := strconv.ParseFloat(g[j], 64)
			wv, err2 := strconv.ParseFloat(w[j], 64)
			same = err1 == nil && err2 == nil && math.Abs(gv-wv) <= 1.5e-5
		}
		if !same {
			t.Fatalf("log line %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

// TestPerBatchModeSumsFreshGradients checks the paper's definition on the batch-size-1 reference: each
// batch's own |gradient|, summed, divided by the token count.
func TestPerBatchModeSumsFreshGradients(t *testing.T) {
	var g goldenFile
	golden.Decode(t, golden.Path(t, "bert", "golden_float32.json"), &g)
	run := g.Bertology.BatchSize1
	batches, rp := splitBatches(&g, g.Forward.Attentions, run)
	imp, err := ComputeImportance(t.Context(), rp, batches, Options{Mode: ModePaper, Importance: true})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, len(imp.Raw))
	for _, gr := range run.FreshGrads {
		for i, v := range gr.Data {
			if v < 0 {
				v = -v
			}
			want[i] += v / run.TotTokens
		}
	}
	golden.AssertClose(t, "per-batch raw importance", f64.ToFloat32(imp.Raw), &golden.Tensor{Shape: []int{len(want)}, Data: want}, 1e-6)
}

func TestNormalizeAndRanks(t *testing.T) {
	x := []float64{3, 4, 0, 1, 1, 0} // 2 layers x 3 heads
	Normalize(x, 2, 3, Normalization{ByLayer: true})
	// layer 0: norm 5 → 0.6 0.8 0; layer 1: norm √2 → 0.7071 0.7071 0
	want := []float64{0.6, 0.8, 0, 1 / 1.4142135623730951, 1 / 1.4142135623730951, 0}
	for i := range x {
		if d := x[i] - want[i]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("by layer: %v, want %v", x, want)
		}
	}
	Normalize(x, 2, 3, Normalization{Global: true})
	// min 0, max 0.8
	if x[1] != 1 || x[2] != 0 || math.Abs(x[0]-0.75) > 1e-12 {
		t.Fatalf("global: %v", x)
	}
	if got := Ranks([]float64{0.5, 2, 1, 2}); fmt.Sprint(got) != "[3 0 2 1]" {
		t.Fatalf("Ranks = %v, want [3 0 2 1]", got)
	}
}

func TestAttentionEntropy(t *testing.T) {
	// One example, 2 heads, 2 tokens, the second padded. Head 0 uniform: ln 2 per real row; head 1 one-hot: 0.
	attn := []float32{0.5, 0.5, 0.5, 0.5, 1, 0, 0, 1}
	sum := make([]float64, 2)
	AddAttentionEntropy(sum, attn, []int{1, 0}, 1, 2, 2)
	if d := sum[0] - 0.6931471805599453; d > 1e-7 || d < -1e-7 || sum[1] != 0 {
		t.Fatalf("entropy %v, want [ln 2, 0]", sum)
	}
}

func TestFormatTable(t *testing.T) {
	got := FormatTable([]float32{1, 0.123456, 2, 3}, 2, 2)
	want := []string{"lv, h >\t1\t2", "layer 1:\t1.00000\t0.12346", "layer 2:\t2.00000\t3.00000"}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := FormatTable([]int{3, 1}, 1, 2); got[1] != "layer 1:\t3\t1" {
		t.Fatalf("int table %q", got)
	}
}
