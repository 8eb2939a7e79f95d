// Package prune removes attention heads from a checkpoint's weights, as transformers' prune_heads does:
// every query, key and value projection loses the heads' output channels and the attention output
// projection loses the matching input channels. A Llama, whose query heads share key and value heads,
// loses a key and value head when the last query head of its group goes. The result is an ordinary checkpoint whose config
// carries pruned_heads, so it saves and loads back like any other, in bertology and in transformers.
package prune

import (
	"fmt"
	"slices"
	"strings"

	"bertology/core/checkpoint"
	"bertology/core/tensor"
)

// Heads returns a copy of ck without the given heads (layer → heads, in the model's original head
// numbering). Heads already pruned are ignored, as transformers does; ck is not modified.
func Heads(ck *checkpoint.Checkpoint, heads map[int][]int) (*checkpoint.Checkpoint, error) {
	cfg := *ck.Config
	cfg.PrunedHeads = map[int][]int{}
	for l, hs := range ck.Config.PrunedHeads {
		cfg.PrunedHeads[l] = append([]int(nil), hs...)
	}
	weights := make(map[string]*tensor.Tensor, len(ck.Weights))
	for name, t := range ck.Weights {
		weights[name] = t
	}
	layers := make([]int, 0, len(heads))
	for l := range heads {
		layers = append(layers, l)
	}
	slices.Sort(layers)
	for _, l := range layers {
		if l < 0 || l >= cfg.NumLayers {
			return nil, fmt.Errorf("prune: layer %d does not exist (the model has %d layers)", l, cfg.NumLayers)
		}
		already := map[int]bool{}
		for _, h := range cfg.PrunedHeads[l] {
			already[h] = true
		}
		var fresh []int
		for _, h := range heads[l] {
			if h < 0 || h >= cfg.NumHeads {
				return nil, fmt.Errorf("prune: layer %d has no head %d (heads are 0..%d)", l, h, cfg.NumHeads-1)
			}
			if !already[h] {
				already[h] = true
				fresh = append(fresh, h)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		if err := pruneLayer(weights, &cfg, l, fresh); err != nil {
			return nil, err
		}
		merged := make([]int, 0, len(already))
		for h := range already {
			merged = append(merged, h)
		}
		slices.Sort(merged)
		cfg.PrunedHeads[l] = merged
	}
	return &checkpoint.Checkpoint{Config: &cfg, Weights: weights, Files: ck.Files}, nil
}

// pruneLayer removes heads (original numbering, none already pruned) from layer l's weights.
func pruneLayer(w map[string]*tensor.Tensor, cfg *checkpoint.Config, l int, heads []int) error {
	keep := keptChannels(cfg.PrunedHeads[l], heads, cfg.NumHeads, cfg.HeadDim())
	width := cfg.HeadsInLayer(l) * cfg.HeadDim() // current attention width before this pruning
	switch cfg.ModelType {
	case checkpoint.BERT, checkpoint.DistilBERT:
		names := bertNames(cfg.ModelType, l)
		for _, proj := range names.qkv {
			if err := replace(w, proj+".weight", func(t *tensor.Tensor) (*tensor.Tensor, error) { return selectRows(t, keep, width) }); err != nil {
				return err
			}
			if err := replace(w, proj+".bias", func(t *tensor.Tensor) (*tensor.Tensor, error) { return selectRows(t, keep, width) }); err != nil {
				return err
			}
		}
		return replace(w, names.out+".weight", func(t *tensor.Tensor) (*tensor.Tensor, error) { return selectCols(t, keep, width) })
	case checkpoint.GPT2, checkpoint.OpenAIGPT:
		// c_attn packs q|k|v along its output axis: keep the same channels in each third.
		qkv := make([]int, 0, 3*len(keep))
		for part := 0; part < 3; part++ {
			for _, c := range keep {
				qkv = append(qkv, part*width+c)
			}
		}
		base := fmt.Sprintf("h.%d.attn.", l)
		if err := replace(w, base+"c_attn.weight", func(t *tensor.Tensor) (*tensor.Tensor, error) { return selectCols(t, qkv, 3*width) }); err != nil {
			return err
		}
		if err := replace(w, base+"c_attn.bias", func(t *tensor.Tensor) (*tensor.Tensor, error) { return selectRows(t, qkv, 3*width) }); err != nil {
			return err
		}
		return replace(w, base+"c_proj.weight", func(t *tensor.Tensor) (*tensor.Tensor, error) { return selectRows(t, keep, width) })
	case checkpoint.Llama:
		return pruneLlamaLayer(w, cfg, l, heads, keep, width)
	}
	return fmt.Errorf("prune: model type %q has no attention heads bertology knows how to prune", cfg.ModelType)
}

// pruneLlamaLayer removes query heads (original numbering, none already pruned) from layer l of a
// Llama, whose q_proj loses their rows and o_proj their columns (keep, of width channels). A key and
// value head whose group of query heads is then gone entirely leaves k_proj and v_proj too. transformers
// cannot prune a Llama at all; bertology's pruned_heads lists the query heads, as for the other
// families, and the key and value heads kept follow from it (Config.KVHeadsInLayer).
func pruneLlamaLayer(w map[string]*tensor.Tensor, cfg *checkpoint.Config, l int, heads, keep []int, width int) error {
	hd := cfg.HeadDim()
	before := cfg.KVHeadsInLayer(l)
	after := *cfg
	after.PrunedHeads = map[int][]int{l: append(slices.Clone(cfg.PrunedHeads[l]), heads...)}
	left := after.KVHeadsInLayer(l)
	var keepKV []int // channels of k_proj and v_proj kept, in the layer's current numbering
	for i, kv := range before {
		if slices.Contains(left, kv) {
			for c := 0; c < hd; c++ {
				keepKV = append(keepKV, i*hd+c)
			}
		}
	}
	base := fmt.Sprintf("layers.%d.self_attn.", l)
	rows := func(idx []int, n int) func(t *tensor.Tensor) (*tensor.Tensor, error) {
		return func(t *tensor.Tensor) (*tensor.Tensor, error) { return selectRows(t, idx, n) }
	}
	for _, p := range []struct {
		name string
		f    func(t *tensor.Tensor) (*tensor.Tensor, error)
	}{
		{"q_proj.weight", rows(keep, width)},
		{"k_proj.weight", rows(keepKV, len(before)*hd)},
		{"v_proj.weight", rows(keepKV, len(before)*hd)},
		{"o_proj.weight", func(t *tensor.Tensor) (*tensor.Tensor, error) { return selectCols(t, keep, width) }},
	} {
		if err := replace(w, base+p.name, p.f); err != nil {
			return err
		}
	}
	return nil
}

type attentionNames struct {
	qkv [3]string
	out string
}

func bertNames(arch checkpoint.ModelType, l int) attentionNames {
	if arch == checkpoint.DistilBERT {
		p := fmt.Sprintf("transformer.layer.%d.attention.", l)
		return attentionNames{qkv: [3]string{p + "q_lin", p + "k_lin", p + "v_lin"}, out: p + "out_lin"}
	}
	p := fmt.Sprintf("encoder.layer.%d.attention.", l)
	return attentionNames{qkv: [3]string{p + "self.query", p + "self.key", p + "self.value"}, out: p + "output.dense"}
}

// keptChannels lists, in the layer's current numbering, the channels that survive removing heads from a
// layer that has already lost the heads in pruned.
func keptChannels(pruned, heads []int, numHeads, headDim int) []int {
	gone := map[int]bool{}
	for _, h := range pruned {
		gone[h] = true
	}
	removing := map[int]bool{}
	for _, h := range heads {
		removing[h] = true
	}
	var keep []int
	pos := 0 // position of head h among the heads still present
	for h := 0; h < numHeads; h++ {
		if gone[h] {
			continue
		}
		if !removing[h] {
			for c := 0; c < headDim; c++ {
				keep = append(keep, pos*headDim+c)
			}
		}
		pos++
	}
	return keep
}

// replace finds the weight whose name is suffix, with or without the base model's prefix ("bert.",
// "distilbert.", "transformer."), and replaces it by f of it.
func replace(w map[string]*tensor.Tensor, suffix string, f func(*tensor.Tensor) (*tensor.Tensor, error)) error {
	name := ""
	for n := range w {
		if n == suffix || strings.HasSuffix(n, "."+suffix) {
			if name != "" {
				return fmt.Errorf("prune: both %q and %q match %q", name, n, suffix)
			}
			name = n
		}
	}
	if name == "" {
		return fmt.Errorf("prune: no weight named %q", suffix)
	}
	t, err := f(w[name])
	if err != nil {
		return fmt.Errorf("prune: %s: %w", name, err)
	}
	w[name] = t
	return nil
}

// selectRows keeps the given indices of the first axis, which must have length n.
func selectRows(t *tensor.Tensor, idx []int, n int) (*tensor.Tensor, error) {
	if len(t.Shape) == 0 || t.Shape[0] != n {
		return nil, fmt.Errorf("shape %v: first axis should be %d", t.Shape, n)
	}
	inner := t.Len() / n
	out := make([]float32, 0, len(idx)*inner)
	for _, i := range idx {
		out = append(out, t.Data[i*inner:(i+1)*inner]...)
	}
	shape := append([]int{len(idx)}, t.Shape[1:]...)
	return tensor.FromData(out, shape...), nil
}

// selectCols keeps the given indices of the second axis of a matrix whose second axis has length n.
func selectCols(t *tensor.Tensor, idx []int, n int) (*tensor.Tensor, error) {
	if len(t.Shape) != 2 || t.Shape[1] != n {
		return nil, fmt.Errorf("shape %v: second axis should be %d", t.Shape, n)
	}
	rows := t.Shape[0]
	out := make([]float32, 0, rows*len(idx))
	for r := 0; r < rows; r++ {
		row := t.Data[r*n : (r+1)*n]
		for _, i := range idx {
			out = append(out, row[i])
		}
	}
	return tensor.FromData(out, rows, len(idx)), nil
}
