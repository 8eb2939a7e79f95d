package main

import (
	"bertology/core/analysis"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"bertology/core/f64"
	"bertology/core/model"
	"bertology/core/parallel"
	"bertology/core/patching"
	"bertology/core/saliency"
	"bertology/core/tokenizer"
)

const (
	saliencySummary = "token saliency (gradients, integrated gradients) or per-head attention attribution of one logit"
	patchSummary    = "activation patching: the residual stream and each head's output copied from a clean into a corrupted input"
)

func init() {
	register(&command{name: "saliency", summary: saliencySummary, run: runSaliency})
	register(&command{name: "patch", summary: patchSummary, run: runPatch})
}

// sentenceBatch is the batch of one encoded sentence, as the analyses build it.
func sentenceBatch(m *model.Model, enc tokenizer.Encoding) *model.Batch {
	return analysis.Batch(m, []tokenizer.Encoding{enc}, 0)
}

// classOrToken reads a class (its index or id2label name) of a classifier, or a token of a language
// model's vocabulary.
func classOrToken(m *model.Model, tok tokenizer.Tokenizer, s string) (int, error) {
	s = strings.TrimSpace(s)
	if m.Head() == model.SequenceClassification {
		for id, name := range m.Config().ID2Label {
			if strings.EqualFold(name, s) {
				return id, nil
			}
		}
		c, err := strconv.Atoi(s)
		if err != nil || c < 0 || c >= m.Config().NumLabels {
			return 0, fmt.Errorf("class %q: want a label name or a number below %d", s, m.Config().NumLabels)
		}
		return c, nil
	}
	if id, ok := tok.TokenID(s); ok {
		return id, nil
	}
	return 0, fmt.Errorf("token %q is not in the vocabulary", s)
}

func runSaliency(args []string) error {
	fs := newFlagSet("saliency", saliencySummary)
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory of a sequence classifier or language model, or a Hub model id (required)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	text := fs.String("text", "", "the text (required)")
	pair := fs.String("pair", "", "optional second text of a pair")
	target := fs.String("target", "", "the class (number or label) or next token explained; default the predicted one")
	method := fs.String("method", "ig", "grad (gradient norm), gradxinput, ig (integrated gradients) or attention (per head)")
	steps := fs.Int("steps", 64, "integration steps of ig and attention")
	baseline := fs.String("baseline", "zero", "ig's baseline: zero or pad")
	outPath := fs.String("out", "", "output JSON; the scores also go to OUT.scores.npy, attention's per-position maps to OUT.attention_layer<L>.npy [heads, T, T] (required)")
	if err := parseFlags(fs, args, "model", "text", "out"); err != nil {
		return err
	}
	base, err := saliency.ParseBaseline(*baseline)
	if err != nil {
		return fmt.Errorf("--baseline: %w", err)
	}
	m, tok, enc, err := loadSentence(src, *text, *pair, os.Stderr)
	if err != nil {
		return err
	}
	opt := saliency.Options{Method: *method, Target: -1, Steps: *steps, Baseline: base}
	if *target != "" {
		if opt.Target, err = classOrToken(m, tok, *target); err != nil {
			return fmt.Errorf("--target: %w", err)
		}
	}
	out, err := saliency.Explain(context.Background(), m, tok, sentenceBatch(m, enc), enc.Tokens, opt, bar(os.Stderr, *method))
	if err != nil {
		return err
	}
	shape := []int{len(out.Scores)}
	if out.Layers > 0 {
		shape = []int{out.Layers, out.Heads}
	}
	if err := writeMatrix(matrixPath(*outPath, "scores"), shape, f64.ToFloat32(out.Scores)); err != nil {
		return err
	}
	for l, grid := range out.AttentionMaps {
		T := len(out.Tokens)
		if err := writeMatrix(matrixPath(*outPath, fmt.Sprintf("attention_layer%d", l)), []int{len(grid) / (T * T), T, T}, f64.ToFloat32(grid)); err != nil {
			return err
		}
	}
	return writeJSON(*outPath, out)
}

func runPatch(args []string) error {
	fs := newFlagSet("patch", patchSummary)
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory of a sequence classifier or language model, or a Hub model id (required)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	clean := fs.String("clean", "", "the clean text (required)")
	corrupted := fs.String("corrupted", "", "the corrupted text, as many tokens long (required unless --ablate)")
	classes := fs.String("classes", "", "a classifier's two classes a,b: the metric is logit[a] − logit[b] (default 1,0)")
	tokens := fs.String("tokens", "", "a language model's two next tokens a,b: the metric is logit[a] − logit[b]")
	ablate := fs.String("ablate", "", "instead of patching, ablate each head of the clean text in turn: zero (its output set to 0) or mean (to its mean over --data)")
	data := fs.String("data", "", "GLUE-style TSV file whose examples' head outputs --ablate mean averages")
	task := fs.String("task", "", "GLUE task of --data; detected from the file when empty")
	subset := fs.Int("subset", 0, "if > 0, average over only the first N examples of --data")
	outPath := fs.String("out", "", "output JSON; the maps also go to OUT.residual.npy and OUT.heads.npy, an ablation's to OUT.ablation.npy [layers, heads] (required)")
	if err := parseFlags(fs, args, "model", "clean", "out"); err != nil {
		return err
	}
	switch {
	case *ablate == "" && *corrupted == "":
		return fmt.Errorf("--corrupted is required (or --ablate zero|mean)")
	case *ablate != "" && *corrupted != "":
		return fmt.Errorf("--ablate ablates the clean text's heads; it takes no --corrupted")
	case *ablate != "" && *ablate != patching.AblateZero && *ablate != patching.AblateMean:
		return fmt.Errorf("--ablate %q: want zero or mean", *ablate)
	case *ablate == patching.AblateMean && *data == "":
		return fmt.Errorf("--ablate mean needs --data, the examples whose mean replaces a head's output")
	case *ablate != patching.AblateMean && *data != "":
		return fmt.Errorf("--data is for --ablate mean")
	}
	m, tok, err := loadModelAndTokenizer(src, os.Stderr)
	if err != nil {
		return err
	}
	mt, name, err := patchMetric(m, tok, *classes, *tokens)
	if err != nil {
		return err
	}
	opt := tokenizer.Options{MaxLength: m.Config().MaxPositions, Truncate: true}
	ce, err := tok.Encode(*clean, "", false, opt)
	if err != nil {
		return fmt.Errorf("--clean: %w", err)
	}
	if *ablate != "" {
		return runAblation(m, tok, ce, mt, name, *data, *task, *subset, *outPath)
	}
	xe, err := tok.Encode(*corrupted, "", false, opt)
	if err != nil {
		return fmt.Errorf("--corrupted: %w", err)
	}
	if len(ce.IDs) != len(xe.IDs) {
		return fmt.Errorf("the clean text is %d tokens (%q), the corrupted %d (%q): they must be as long",
			len(ce.IDs), ce.Tokens, len(xe.IDs), xe.Tokens)
	}
	out, err := patching.Compute(context.Background(), m, sentenceBatch(m, ce), sentenceBatch(m, xe), mt, bar(os.Stderr, "patching"))
	if err != nil {
		return err
	}
	out.CleanTokens, out.CorruptedTokens, out.Metric = ce.Tokens, xe.Tokens, name
	rows, layers := len(ce.IDs), out.Layers
	if err := writeMatrix(matrixPath(*outPath, "residual"), []int{layers + 1, rows}, f64.ToFloat32(out.Residual)); err != nil {
		return err
	}
	if err := writeMatrix(matrixPath(*outPath, "heads"), []int{layers, out.Heads}, f64.ToFloat32(out.HeadOutputs)); err != nil {
		return err
	}
	return writeJSON(*outPath, out)
}

// patchMetric reads the metric's two classes of a classifier (default 1,0) or two next tokens of a
// language model, and names it.
func patchMetric(m *model.Model, tok tokenizer.Tokenizer, classes, tokens string) (patching.Metric, string, error) {
	var mt patching.Metric
	pairArg := classes
	if m.Head() != model.SequenceClassification {
		if classes != "" {
			return mt, "", fmt.Errorf("--classes is for a classifier; this is a %s: use --tokens", m.Head())
		}
		if pairArg = tokens; pairArg == "" {
			return mt, "", fmt.Errorf("a language model needs --tokens a,b")
		}
	} else if tokens != "" {
		return mt, "", fmt.Errorf("--tokens is for a language model; this is a classifier: use --classes")
	} else if pairArg == "" {
		pairArg = "1,0"
	}
	parts := strings.Split(pairArg, ",")
	if len(parts) != 2 {
		return mt, "", fmt.Errorf("want two classes or tokens a,b, got %q", pairArg)
	}
	var err error
	if mt.A, err = classOrToken(m, tok, parts[0]); err != nil {
		return mt, "", err
	}
	if mt.B, err = classOrToken(m, tok, parts[1]); err != nil {
		return mt, "", err
	}
	return mt, fmt.Sprintf("logit[%s] − logit[%s]", saliency.TargetName(m, tok, mt.A), saliency.TargetName(m, tok, mt.B)), nil
}

// runAblation ablates each head of the clean text in turn, to zero or (with data) to its mean over the
// data set's examples (analysis.HeadMeans: each run alone, so that no padding enters the mean).
func runAblation(m *model.Model, tok tokenizer.Tokenizer, ce tokenizer.Encoding, mt patching.Metric, name, data, task string, subset int, outPath string) error {
	var means [][]float32
	n := 0
	if data != "" {
		t, examples, err := readExamples(data, task, subset)
		if err != nil {
			return err
		}
		encs, err := analysis.EncodeExamples(tok, t, examples, m.Config().MaxPositions)
		if err != nil {
			return err
		}
		r := analysis.ModelRunner{Model: m, Workers: parallel.Workers()}
		if means, err = analysis.HeadMeans(context.Background(), r, m, encs, bar(os.Stderr, "head means")); err != nil {
			return fmt.Errorf("%s: %w", data, err)
		}
		n = len(encs)
	}
	out, err := patching.Ablate(context.Background(), m, sentenceBatch(m, ce), mt, means, bar(os.Stderr, "ablation"))
	if err != nil {
		return err
	}
	out.Tokens, out.MetricName, out.MeanOver = ce.Tokens, name, n
	if err := writeMatrix(matrixPath(outPath, "ablation"), []int{out.Layers, out.Heads}, f64.ToFloat32(out.Ablated)); err != nil {
		return err
	}
	return writeJSON(outPath, out)
}
