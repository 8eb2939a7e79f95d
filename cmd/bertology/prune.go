package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"bertology/core/checkpoint"
	"bertology/core/model"
	"bertology/core/prune"
)

func init() {
	register(&command{name: "prune", summary: "remove attention heads from a model's weights and save it with pruned_heads", run: runPrune})
}

func runPrune(args []string) error {
	fs := newFlagSet("prune", "remove attention heads from a model's weights and save the smaller model")
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory in Hugging Face's layout, or a Hub model id (org/name)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	headsJSON := fs.String("heads", "", `heads to remove per layer, as JSON: '{"0":[1],"2":[0,3]}' (original head numbers)`)
	outDir := fs.String("out", "", "directory for the pruned model (config.json with pruned_heads, model.safetensors, tokenizer files)")
	dtype := fs.String("dtype", "F32", "weight type of the saved safetensors: F32, F16 or BF16")
	if err := parseFlags(fs, args, "model", "heads", "out"); err != nil {
		return err
	}
	heads, err := parseHeads(*headsJSON)
	if err != nil {
		return err
	}
	ck, before, err := loadModel(src, os.Stderr)
	if err != nil {
		return err
	}
	pruned, err := prune.Heads(ck, heads)
	if err != nil {
		return err
	}
	after, err := model.New(pruned)
	if err != nil {
		return err
	}
	if err := checkpoint.SaveDir(*outDir, pruned, *dtype); err != nil {
		return err
	}
	fmt.Printf("parameters: %d before, %d after (%.1f%%); saved to %s\n", before.NumParams(), after.NumParams(),
		100*float64(after.NumParams())/float64(before.NumParams()), *outDir)
	return nil
}

// parseHeads reads {"layer": [heads...]} with layers as strings, as config.json's pruned_heads.
func parseHeads(s string) (map[int][]int, error) {
	var raw map[string][]int
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf(`--heads: %v (want e.g. {"0":[1],"2":[0,3]})`, err)
	}
	heads := make(map[int][]int, len(raw))
	for k, hs := range raw {
		l, err := strconv.Atoi(k)
		if err != nil {
			return nil, fmt.Errorf("--heads: layer %q is not a number", k)
		}
		heads[l] = hs
	}
	return heads, nil
}
