package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"bertology/core/checkpoint"
	"bertology/core/hub"
)

func init() {
	register(&command{name: "inspect", summary: "print a model directory's config and every weight's name, dtype and shape", run: runInspect})
}

func runInspect(args []string) error { return inspectModel(args, os.Stdout) }

// inspectModel is the inspect command with its output as a parameter.
func inspectModel(args []string, out io.Writer) error {
	flags := newFlagSet("inspect", "print a model directory's config and every weight's name, stored dtype and shape")
	var src modelSource
	flags.StringVar(&src.nameOrPath, "model", "", "model directory in Hugging Face's layout (config.json and model.safetensors or pytorch_model.bin), or a Hub model id (org/name)")
	hubFlags(flags, &src.revision, &src.cacheDir)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if src.nameOrPath == "" {
		return errors.New("--model is required")
	}
	dir, err := src.dir(hub.Model, os.Stderr)
	if err != nil {
		return err
	}
	ck, err := checkpoint.LoadDir(dir)
	if err != nil {
		return err
	}
	c := ck.Config
	names := make([]string, 0, len(ck.Weights))
	params := 0
	for name, w := range ck.Weights {
		names = append(names, name)
		params += w.Len()
	}
	slices.Sort(names)

	// A line without a tab ends tabwriter's column block, so the header and the weights align separately.
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintf(w, "model:\t%s\n", dir)
	fmt.Fprintf(w, "type:\t%s %v\n", c.ModelType, c.Architectures)
	fmt.Fprintf(w, "layers:\t%d\n", c.NumLayers)
	if c.KVGroup() > 1 { // grouped-query attention
		fmt.Fprintf(w, "heads:\t%d of width %d, sharing %d key/value heads (%d query heads each)\n", c.NumHeads, c.HeadDim(), c.NumKVHeads, c.KVGroup())
	} else {
		fmt.Fprintf(w, "heads:\t%d of width %d\n", c.NumHeads, c.HeadDim())
	}
	if c.ModelType == checkpoint.Llama {
		fmt.Fprintf(w, "positions:\trotary, base %g\n", c.RopeTheta)
	}
	fmt.Fprintf(w, "hidden:\t%d, intermediate %d, activation %s, layer norm eps %g\n", c.HiddenSize, c.IntermediateSize, c.Activation, c.LayerNormEps)
	fmt.Fprintf(w, "vocabulary:\t%d, positions %d, token types %d\n", c.VocabSize, c.MaxPositions, c.TypeVocabSize)
	fmt.Fprintf(w, "labels:\t%d: %s\n", c.NumLabels, strings.Join(c.LabelNames(), ", "))
	fmt.Fprintf(w, "pruned heads:\t%s\n", prunedHeads(c))
	fmt.Fprintf(w, "weights: %d tensors, %d parameters, from %s\n", len(names), params, ck.WeightsFrom)
	for _, name := range names {
		fmt.Fprintf(w, "  %s\t%s\t%v\n", name, ck.DTypes[name], ck.Weights[name].Shape)
	}
	others := make([]string, 0, len(ck.Files))
	for name := range ck.Files {
		others = append(others, name)
	}
	slices.Sort(others)
	fmt.Fprintf(w, "other files: %s\n", strings.Join(others, " "))
	return w.Flush()
}

// prunedHeads lists the pruned heads by layer, e.g. "layer 0: [1]; layer 2: [0 3]".
func prunedHeads(c *checkpoint.Config) string {
	if len(c.PrunedHeads) == 0 {
		return "none"
	}
	layers := make([]int, 0, len(c.PrunedHeads))
	for l := range c.PrunedHeads {
		layers = append(layers, l)
	}
	slices.Sort(layers)
	parts := make([]string, len(layers))
	for i, l := range layers {
		parts[i] = fmt.Sprintf("layer %d: %v", l, c.PrunedHeads[l])
	}
	return strings.Join(parts, "; ")
}
