package bertology

import (
	"fmt"
	"math"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/f64"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
)

// TestMaskHeadsMatchesScript runs the masking loop on the real tiny models and compares the final masks
// with those of run_bertology.py's (patched) mask_heads: 12 sentences, batch 4, masking_amount 0.1.
func TestMaskHeadsMatchesScript(t *testing.T) {
	for _, arch := range []string{"bert", "distilbert"} {
		var g struct {
			IterativeMasking struct {
				Inputs struct {
					InputIDs      *golden.Tensor `json:"input_ids"`
					AttentionMask *golden.Tensor `json:"attention_mask"`
					TokenTypeIDs  *golden.Tensor `json:"token_type_ids"`
					Labels        *golden.Tensor `json:"labels"`
				} `json:"inputs"`
				Runs []struct {
					BatchSize int            `json:"batch_size"`
					Threshold float64        `json:"masking_threshold"`
					Amount    float64        `json:"masking_amount"`
					Metric    string         `json:"metric_name"`
					Final     *golden.Tensor `json:"final_head_mask"`
				} `json:"runs"`
			} `json:"iterative_masking"`
		}
		golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
		ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.New(ck)
		if err != nil {
			t.Fatal(err)
		}
		task, err := glue.LookupTask("sst-2")
		if err != nil {
			t.Fatal(err)
		}
		in := g.IterativeMasking.Inputs
		for _, run := range g.IterativeMasking.Runs {
			t.Run(fmt.Sprintf("%s/threshold_%g", arch, run.Threshold), func(t *testing.T) {
				batches := goldenBatches(in.InputIDs, in.AttentionMask, in.TokenTypeIDs, in.Labels, run.BatchSize)
				res, err := MaskHeads(t.Context(), ModelRunner{Model: m}, batches, MaskingOptions{
					Threshold:  run.Threshold,
					Amount:     run.Amount,
					Importance: Options{Mode: ModeScript, Normalization: BothNormalizations},
					Score:      TaskScore(task, run.Metric, batches),
				})
				if err != nil {
					t.Fatal(err)
				}
				want := run.Final.F32()
				for i := range want {
					if res.Final[i] != want[i] {
						t.Fatalf("final mask %v, want %v (%s)", res.Final, want, res.Ended)
					}
				}
			})
		}
	}
}

// goldenBatches cuts golden inputs [N, T] into batches of size bs.
func goldenBatches(ids, mask, types, labels *golden.Tensor, bs int) []*model.Batch {
	all := &model.Batch{Size: ids.Shape[0], SeqLen: ids.Shape[1], InputIDs: ids.Ints(),
		AttentionMask: mask.Ints(), Labels: labels.Ints()}
	if types != nil {
		all.TokenTypeIDs = types.Ints()
	}
	return all.Split(bs)
}

// TestImportanceThroughModel computes importance and entropy end to end, the real model supplying
// gradients and attentions, and compares with the script's numbers for every architecture, in every
// normalisation, batched whole and one sequence at a time, and under the golden head mask.
func TestImportanceThroughModel(t *testing.T) {
	for _, arch := range []string{"bert", "bert-mlm", "distilbert", "gpt2", "openai-gpt", "llama"} {
		var g goldenFile
		golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
		ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.New(ck)
		if err != nil {
			t.Fatal(err)
		}
		in := g.Inputs
		for _, c := range []struct {
			name string
			run  goldenRun
			mask *golden.Tensor
		}{
			{"full batch", g.Bertology.FullBatch, nil},
			{"batch size 1", g.Bertology.BatchSize1, nil},
			{"masked full batch", g.Masked.FullBatch, g.Masked.HeadMask},
		} {
			batches := goldenBatches(in.InputIDs, in.AttentionMask, in.TokenTypeIDs, in.Labels, c.run.BatchSize)
			for vname, norm := range variants {
				v, ok := c.run.VariantByKey[vname]
				if !ok {
					continue
				}
				opt := Options{Mode: ModeScript, Normalization: norm, Entropy: true, Importance: true}
				if c.mask != nil {
					opt.HeadMask = c.mask.F32()
				}
				imp, err := ComputeImportance(t.Context(), ModelRunner{Model: m}, batches, opt)
				if err != nil {
					t.Fatal(err)
				}
				what := fmt.Sprintf("%s %s %s", arch, c.name, vname)
				golden.AssertClose(t, what+" importance", f64.ToFloat32(imp.Importance), v.Importance, 1e-5)
				golden.AssertClose(t, what+" entropy", f64.ToFloat32(imp.Entropy), v.Entropy, 1e-5)
				for i, r := range v.Ranks.Ints() {
					if imp.Ranks[i] != r {
						t.Errorf("%s: ranks %v, want %v", what, imp.Ranks, v.Ranks.Ints())
						break
					}
				}
				if arch == "llama" {
					t.Logf("%s on %s kernels: max |diff| importance %.2g, entropy %.2g", what, m.Kernels().Name(),
						maxDiff(imp.Importance, v.Importance), maxDiff(imp.Entropy, v.Entropy))
				}
			}
		}
	}
}

// maxDiff is the largest absolute difference between got and want.
func maxDiff(got []float64, want *golden.Tensor) float64 {
	worst := 0.0
	for i, g := range got {
		worst = max(worst, math.Abs(g-want.Data[i]))
	}
	return worst
}
