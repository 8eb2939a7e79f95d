package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"bertology/core/bertology"
	"bertology/core/f64"
	"bertology/core/parallel"
	"bertology/core/tensor"
)

func init() {
	register(&command{name: "importance", summary: "head importance and attention entropy for token-id inputs, in every normalisation, as JSON", run: runImportance})
}

// importanceVariant is one normalisation's result, as the goldens' bertology.*.variants entries.
type importanceVariant struct {
	HeadImportance *tensor.Tensor `json:"head_importance"`
	AttnEntropy    *tensor.Tensor `json:"attn_entropy"`
	HeadRanks      *intTensor     `json:"head_ranks"`
	Log            []string       `json:"log"`
}

// intTensor is an integer tensor as the goldens store one (the head ranks, int64).
type intTensor struct {
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
	Data  []int  `json:"data"`
}

// importanceOut is the importance command's JSON: the goldens' bertology run, every normalisation of one
// importance computation. It is not the lab's ImportanceResult, which holds the one normalisation asked
// for with the model's evaluation on the data set.
type importanceOut struct {
	Mode       string                        `json:"mode"`
	BatchSize  int                           `json:"batch_size"`
	NumBatches int                           `json:"num_batches"`
	TotTokens  float64                       `json:"tot_tokens"`
	BatchGrads []*tensor.Tensor              `json:"per_batch_fresh_head_mask_grad"`
	Variants   map[string]*importanceVariant `json:"variants"`
}

// normalizations are the four variants the goldens record, by their names.
var normalizations = map[string]bertology.Normalization{
	"layer_and_global": {ByLayer: true, Global: true},
	"raw":              {},
	"layer_only":       {ByLayer: true},
	"global_only":      {Global: true},
}

func runImportance(args []string) error {
	fs := newFlagSet("importance", "head importance and attention entropy for token-id inputs")
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory in Hugging Face's layout, or a Hub model id (org/name)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	inputs := fs.String("inputs", "", `JSON tensors input_ids, attention_mask, token_type_ids, labels (as the goldens' "inputs" section)`)
	outPath := fs.String("out", "", `output JSON shaped as the goldens' "bertology" runs: every normalisation variant`)
	batchSize := fs.Int("batch-size", 0, "sequences per batch (0: all in one batch)")
	modeName := fs.String("mode", "paper", "paper: sum each batch's |gradient|; script: run_bertology.py's never-zeroed gradient")
	workers := fs.Int("workers", parallel.Workers(), "batches computed at once, one per CPU by default (the results do not depend on it)")
	if err := parseFlags(fs, args, "model", "inputs", "out"); err != nil {
		return err
	}
	mode, err := bertology.ParseMode(*modeName)
	if err != nil {
		return err
	}
	_, m, err := loadModel(src, os.Stderr)
	if err != nil {
		return err
	}
	all, err := readBatch(*inputs, m)
	if err != nil {
		return err
	}
	if all.Labels == nil && all.Targets == nil {
		return fmt.Errorf("%s: importance needs labels (the gradient of the loss)", *inputs)
	}
	batches := all.Split(*batchSize)
	imp, err := bertology.ComputeImportance(context.Background(), bertology.ModelRunner{Model: m, Workers: *workers}, batches,
		bertology.Options{Mode: mode, Entropy: true, Importance: true})
	if err != nil {
		return err
	}
	out := &importanceOut{Mode: mode.String(), BatchSize: batches[0].Size, NumBatches: len(batches),
		TotTokens: imp.TotTokens, Variants: map[string]*importanceVariant{}}
	for _, g := range imp.BatchGrads {
		out.BatchGrads = append(out.BatchGrads, tensor.FromData(g, imp.Layers, imp.Heads))
	}
	for name, norm := range normalizations {
		v := *imp
		v.Importance = append([]float64(nil), imp.Raw...)
		bertology.Normalize(v.Importance, v.Layers, v.Heads, norm)
		v.Ranks = bertology.Ranks(v.Importance)
		out.Variants[name] = &importanceVariant{
			HeadImportance: matrix(v.Importance, v.Layers, v.Heads),
			AttnEntropy:    matrix(v.Entropy, v.Layers, v.Heads),
			HeadRanks:      &intTensor{Shape: []int{v.Layers, v.Heads}, DType: "int64", Data: v.Ranks},
			Log:            v.Log(),
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return os.WriteFile(*outPath, append(b, '\n'), 0o644)
}

func matrix(x []float64, rows, cols int) *tensor.Tensor {
	return tensor.FromData(f64.ToFloat32(x), rows, cols)
}
