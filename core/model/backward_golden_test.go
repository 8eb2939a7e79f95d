package model

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"bertology/core/golden"
)

// goldenGradFile is the part of a golden file that holds head-mask gradients.
type goldenGradFile struct {
	Inputs       map[string]*golden.Tensor `json:"inputs"`
	HeadMaskGrad struct {
		Loss float64        `json:"loss"`
		Grad *golden.Tensor `json:"grad"`
	} `json:"head_mask_grad"`
	Masked struct {
		HeadMask     *golden.Tensor `json:"head_mask"`
		HeadMaskGrad *golden.Tensor `json:"head_mask_grad"`
	} `json:"masked"`
	Bertology struct {
		FullBatch  goldenFreshGrads `json:"full_batch"`
		BatchSize1 goldenFreshGrads `json:"batch_size_1"`
	} `json:"bertology"`
}

// goldenFreshGrads are run_bertology.py's per-batch head-mask gradients, each taken afresh.
type goldenFreshGrads struct {
	BatchSize int              `json:"batch_size"`
	Grads     []*golden.Tensor `json:"per_batch_fresh_head_mask_grad"`
}

// TestGoldenHeadMaskGrad compares dLoss/dHeadMask with PyTorch's head_mask.grad: at a mask of ones, under
// the golden head mask (whose zeroed heads still have a gradient), and per batch as run_bertology.py
// takes it, for the whole batch and for each sequence alone. The model with the masked heads pruned
// computes the same function of its kept heads' mask entries, so it must give them the same gradient,
// and 0 to its pruned heads. The float32 model must match both the float32 and the float64 references
// to 1e-5.
func TestGoldenHeadMaskGrad(t *testing.T) {
	for _, arch := range goldenArchs {
		t.Run(arch, func(t *testing.T) {
			m, pruned := loadModel(t, arch, "model"), loadModel(t, arch, "pruned_model")
			t.Run("float32", func(t *testing.T) {
				var g goldenGradFile
				golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
				assertGoldenHeadMaskGrads(t, m, pruned, &g)
			})
			t.Run("float64", func(t *testing.T) {
				var g goldenGradFile
				golden.Decode(t, golden.SharedPath(t, "golden", arch, "golden_float64.json"), &g)
				assertGoldenHeadMaskGrads(t, m, pruned, &g)
			})
		})
	}
}

func assertGoldenHeadMaskGrads(t *testing.T, m, pruned *Model, g *goldenGradFile) {
	t.Helper()
	b := goldenBatch(g.Inputs)
	grad := func(m *Model, b *Batch, mask []float32) (*Output, []float32) {
		t.Helper()
		out, grads, err := m.ForwardBackward(b, Options{HeadMask: mask}, GradOptions{HeadMask: true})
		if err != nil {
			t.Fatal(err)
		}
		if grads.Weights != nil {
			t.Fatal("weight gradients computed without being asked for")
		}
		return out, grads.HeadMask
	}
	out, got := grad(m, b, nil)
	golden.AssertClose(t, "head_mask_grad", got, g.HeadMaskGrad.Grad, tolerance)
	if math.Abs(float64(out.Loss)-g.HeadMaskGrad.Loss) > tolerance {
		t.Errorf("loss %v, want %v", out.Loss, g.HeadMaskGrad.Loss)
	}
	mask := g.Masked.HeadMask.F32()
	_, got = grad(m, b, mask)
	golden.AssertClose(t, "masked head_mask_grad", got, g.Masked.HeadMaskGrad, tolerance)

	_, got = grad(pruned, b, nil)
	want := &golden.Tensor{Shape: g.Masked.HeadMaskGrad.Shape, Data: slices.Clone(g.Masked.HeadMaskGrad.Data)}
	for i, v := range mask {
		if v == 0 {
			want.Data[i] = 0
		}
	}
	golden.AssertClose(t, "pruned model's head_mask_grad", got, want, tolerance)

	for _, run := range []struct {
		name string
		goldenFreshGrads
	}{{"full batch", g.Bertology.FullBatch}, {"batch size 1", g.Bertology.BatchSize1}} {
		for k, want := range run.Grads {
			_, got := grad(m, sliceBatch(b, k*run.BatchSize, min((k+1)*run.BatchSize, b.Size)), nil)
			golden.AssertClose(t, fmt.Sprintf("%s: batch %d's head_mask_grad", run.name, k), got, want, tolerance)
		}
	}
}

// sliceBatch returns sequences [from, to) of b.
func sliceBatch(b *Batch, from, to int) *Batch {
	t := b.SeqLen
	s := &Batch{Size: to - from, SeqLen: t, InputIDs: b.InputIDs[from*t : to*t]}
	if b.AttentionMask != nil {
		s.AttentionMask = b.AttentionMask[from*t : to*t]
	}
	if b.TokenTypeIDs != nil {
		s.TokenTypeIDs = b.TokenTypeIDs[from*t : to*t]
	}
	switch len(b.Labels) {
	case b.Size:
		s.Labels = b.Labels[from:to]
	case b.Size * t:
		s.Labels = b.Labels[from*t : to*t]
	}
	return s
}
