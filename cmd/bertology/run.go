package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"bertology/core/bertology"
	"bertology/core/checkpoint"
	"bertology/core/dataset"
	"bertology/core/f64"
	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/npy"
	"bertology/core/parallel"
	"bertology/core/tokenizer"
)

func init() {
	register(&command{name: "run", summary: "head importance, entropy, masking and pruning over a data set (run_bertology.py)", run: runRun})
}

// runArgs are run_bertology.py's flags, with its names and defaults.
type runArgs struct {
	model, revision, cacheDir                    string
	dataDir, task, outputDir, metric, mode       string
	maxSeqLength, batchSize, dataSubset, workers int
	tryMasking, noLayerNorm, noGlobalNorm        bool
	threshold, amount                            float64
}

func runRun(args []string) error {
	fs := newFlagSet("run", "compute head importance and attention entropy over a GLUE dev set, plain text or tagged words, "+
		"optionally mask heads until the metric drops and prune them (Hugging Face's run_bertology.py)")
	var a runArgs
	fs.StringVar(&a.model, "model_name_or_path", "", "model directory in Hugging Face layout, or a Hub model id (org/name) (required; also --model)")
	fs.StringVar(&a.model, "model", "", "same as --model_name_or_path")
	hubFlags(fs, &a.revision, &a.cacheDir)
	fs.StringVar(&a.dataDir, "data_dir", "", "directory holding the task's dev TSV (dev.tsv; MNLI: dev_matched.tsv), or the file itself; for --task_name lm a text file or a directory of .txt/.tokens files; for ner a CoNLL-style file or a directory holding dev.txt or valid.txt (required)")
	fs.StringVar(&a.task, "task_name", "", "GLUE task (sst-2, cola, mrpc, sts-b, qqp, mnli, mnli-mm, qnli, rte, wnli), lm for a language-model loss over plain text, or ner for a token classifier on tagged words (required)")
	fs.StringVar(&a.outputDir, "output_dir", "", "where head_importance.npy, attn_entropy.npy, head_mask.npy and the pruned model go (required)")
	fs.IntVar(&a.maxSeqLength, "max_seq_length", bertology.DefaultMaxSeqLength, "tokens per sequence after tokenization; longer inputs are truncated, shorter padded")
	fs.IntVar(&a.batchSize, "batch_size", bertology.DefaultBatchSize, "sequences per batch (changes the result in --mode script)")
	fs.IntVar(&a.dataSubset, "data_subset", -1, "if > 0, use only the first data_subset examples")
	fs.IntVar(&a.workers, "workers", parallel.Workers(), "batches computed at once, one per CPU by default (the results do not depend on it)")
	fs.BoolVar(&a.tryMasking, "try_masking", false, "mask the least important heads until the metric falls below masking_threshold x the original, then prune them")
	fs.Float64Var(&a.threshold, "masking_threshold", bertology.DefaultMaskingThreshold, "stop masking when the metric < threshold x the original metric (used when 0 < threshold < 1)")
	fs.Float64Var(&a.amount, "masking_amount", bertology.DefaultMaskingAmount, "fraction of all heads masked per round (at least one)")
	fs.StringVar(&a.metric, "metric_name", "acc", "metric the masking loop watches (acc, f1, mcc, corr, ...; for ner acc is word accuracy, f1 entity F1; ignored for lm, which uses 1/perplexity)")
	fs.BoolVar(&a.noLayerNorm, "dont_normalize_importance_by_layer", false, "don't divide each layer's importance by its L2 norm")
	fs.BoolVar(&a.noGlobalNorm, "dont_normalize_global_importance", false, "don't min-max scale all importance scores to [0, 1]")
	fs.StringVar(&a.mode, "mode", "paper", "importance: paper sums each batch's |gradient| (Michel et al.); script reproduces run_bertology.py, whose never-zeroed gradient makes the result depend on batch_size")
	fs.Int("seed", 42, "accepted for compatibility; evaluation is deterministic")
	if err := parseFlags(fs, args, "model_name_or_path", "data_dir", "task_name", "output_dir"); err != nil {
		return err
	}
	return run(a, os.Stdout, os.Stderr)
}

// run is the command without flag parsing, so tests can call it.
func run(a runArgs, stdout, stderr io.Writer) error {
	mode, err := bertology.ParseMode(a.mode)
	if err != nil {
		return err
	}
	ck, m, err := loadModel(modelSource{a.model, a.revision, a.cacheDir}, stderr)
	if err != nil {
		return err
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		return err
	}
	batches, score, report, err := loadData(a, m, tok)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.outputDir, 0o755); err != nil {
		return err
	}
	logf := func(format string, v ...any) { fmt.Fprintf(stdout, format+"\n", v...) }
	logLines := func(lines []string) {
		for _, l := range lines {
			fmt.Fprintln(stdout, l)
		}
	}
	runner := bertology.ModelRunner{Model: m, Workers: a.workers}
	opt := bertology.Options{
		Mode:          mode,
		Normalization: bertology.Normalization{ByLayer: !a.noLayerNorm, Global: !a.noGlobalNorm},
		Entropy:       true,
		Importance:    true,
		Progress:      bar(stderr, "Iteration"),
	}
	ctx := context.Background()
	imp, err := bertology.ComputeImportance(ctx, runner, batches, opt)
	if err != nil {
		return err
	}
	logLines(imp.Log())
	if err := saveNpy(a.outputDir, "attn_entropy.npy", imp.Entropy, imp.Layers, imp.Heads); err != nil {
		return err
	}
	if err := saveNpy(a.outputDir, "head_importance.npy", imp.Importance, imp.Layers, imp.Heads); err != nil {
		return err
	}
	logf("%s", report(imp))

	if !a.tryMasking || a.threshold <= 0 || a.threshold >= 1 {
		return nil
	}
	mopt := bertology.MaskingOptions{
		Threshold:  a.threshold,
		Amount:     a.amount,
		Importance: bertology.Options{Mode: mode, Normalization: opt.Normalization},
		Score:      score,
		Progress:   bar(stderr, "masking"), // one bar for the loop: "masking: round 1 of at most R", ...
		Unmasked:   imp,                    // the importance just computed with every head on
	}
	masking, err := bertology.MaskHeads(ctx, runner, batches, mopt)
	if err != nil {
		return err
	}
	logLines(masking.Log)
	logf("Masking ended: %s", masking.Ended)
	if err := saveNpy(a.outputDir, "head_mask.npy", f64.FromFloat32(masking.Final), imp.Layers, imp.Heads); err != nil {
		return err
	}
	p, err := bertology.PruneAndCompare(ctx, ck, m, batches, masking.Final, nil, nil)
	if err != nil {
		return err
	}
	scoreMasked, err := score(p.Masked)
	if err != nil {
		return err
	}
	scorePruned, err := score(p.Pruned)
	if err != nil {
		return err
	}
	// As run_bertology.py's prune_heads reports it.
	before, after := float64(p.ParamsBefore), float64(p.ParamsAfter)
	logf("Pruning: original num of params: %.2e, after pruning %.2e (%.1f percents)", before, after, after/before*100)
	logf("Pruning: score with masking: %f score with pruning: %f", scoreMasked, scorePruned)
	logf("Pruning: speed ratio (original timing / new timing): %f percents", float64(p.TimeMasked)/float64(p.TimePruned)*100)
	dir := filepath.Join(a.outputDir, "pruned_model")
	if err := checkpoint.SaveDir(dir, p.Checkpoint, "F32"); err != nil {
		return err
	}
	logf("Pruned model saved to %s", dir)
	return nil
}

// loadData reads the task's examples and batches them for m; it returns the masking loop's score
// function and a one-line report of the metrics.
func loadData(a runArgs, m *model.Model, tok tokenizer.Tokenizer) ([]*model.Batch,
	func(*bertology.Importance) (float64, error), func(*bertology.Importance) string, error) {
	var d dataset.Data
	var err error
	switch {
	case strings.EqualFold(a.task, "lm"):
		d.Texts, err = readTexts(a.dataDir)
	case strings.EqualFold(a.task, "ner"):
		d.Tagged, err = readTagged(a.dataDir)
	default:
		if d.Task, err = glue.LookupTask(a.task); err == nil {
			d.Examples, err = readDev(a.dataDir, d.Task)
		}
	}
	if err != nil {
		return nil, nil, nil, err
	}
	d = d.First(a.dataSubset)
	batches, err := dataset.ForModel(m, tok, d, a.maxSeqLength, a.batchSize)
	if err != nil {
		return nil, nil, nil, err
	}
	if d.Tagged != nil {
		classes := m.Config().LabelNames()
		report := func(imp *bertology.Importance) string {
			all, err := bertology.TaggingMetrics(classes, imp.Logits, batches)
			if err != nil {
				return "metrics: " + err.Error()
			}
			return fmt.Sprintf("ner on %d sentences: %s", d.Len(), metricList(all, "%f"))
		}
		return batches, bertology.TaggingScore(classes, a.metric, batches), report, nil
	}
	if d.Task == nil {
		report := func(imp *bertology.Importance) string {
			s, _ := bertology.LanguageModelScore(imp)
			return fmt.Sprintf("Language-model loss %f, perplexity %f", imp.Loss, 1/s)
		}
		return batches, bertology.LanguageModelScore, report, nil
	}
	task := d.Task
	report := func(imp *bertology.Importance) string {
		all, err := bertology.TaskMetrics(task, imp.Logits, batches)
		if err != nil {
			return "metrics: " + err.Error()
		}
		return fmt.Sprintf("%s on %d examples: %s", task.Name, d.Len(), metricList(all, "%f"))
	}
	return batches, bertology.TaskScore(task, a.metric, batches), report, nil
}

// readDev reads the dev split of task from dir (or from dir itself when it is a file), with the file
// names Hugging Face's GLUE processors use.
func readDev(dir string, task *glue.Task) ([]glue.Example, error) {
	path := dir
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		name := "dev.tsv"
		switch task.Name {
		case "mnli":
			name = "dev_matched.tsv"
		case "mnli-mm":
			name = "dev_mismatched.tsv"
		}
		path = filepath.Join(dir, name)
	}
	return readTSV(path, task, "dev")
}

// readTSV reads a GLUE-style TSV file of the split ("train", "dev" or "test") of task.
func readTSV(path string, task *glue.Task, split string) ([]glue.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	examples, err := glue.ReadTSV(f, task, split)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return examples, nil
}

// readTagged reads CoNLL-style tagged words from a file, or from a directory's dev.txt or, as CoNLL-2003
// names it, valid.txt.
func readTagged(path string) ([]glue.TaggedSentence, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		dir := path
		path = filepath.Join(dir, "dev.txt")
		if _, err := os.Stat(path); err != nil {
			path = filepath.Join(dir, "valid.txt")
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sentences, err := glue.ReadTagged(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sentences, nil
}

// readTexts reads plain text from a file, or from every .txt, .tokens and .raw file of a directory.
func readTexts(path string) ([]string, error) {
	files := []string{path}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		files = nil
		for _, pattern := range []string{"*.txt", "*.tokens", "*.raw"} {
			m, _ := filepath.Glob(filepath.Join(path, pattern))
			files = append(files, m...)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s: no .txt, .tokens or .raw file", path)
		}
	}
	var texts []string
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		t, err := glue.ReadText(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		texts = append(texts, t...)
	}
	return texts, nil
}

func saveNpy(dir, name string, m []float64, layers, heads int) error {
	data := f64.ToFloat32(m)
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := npy.Write(f, []int{layers, heads}, data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
