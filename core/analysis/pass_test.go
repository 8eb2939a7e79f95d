package analysis

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/patching"
	"bertology/core/probe"
	"bertology/core/progress"
	"bertology/core/tokenizer"
)

// groupingRunner takes several batches a call, as the browser's shards do, and records how many each
// call had.
type groupingRunner struct {
	ModelRunner
	calls []int
}

func (g *groupingRunner) GroupTokens() int { return 1 << 20 }

func (g *groupingRunner) Keep(p Pass, batches []PassBatch) ([]*Kept, error) {
	g.calls = append(g.calls, len(batches))
	return g.ModelRunner.Keep(p, batches)
}

// sst2Sentences are the golden SST-2 dev sentences.
func sst2Sentences(t *testing.T) (*glue.Task, []glue.Example) {
	f, err := os.Open(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	task, _ := glue.LookupTask("sst-2")
	examples, err := glue.ReadTSV(f, task, "dev")
	if err != nil {
		t.Fatal(err)
	}
	return task, examples
}

// TestPassesAnywhere runs each data-set pass (mean ablation's means too) over the SST-2 sentences, one a batch, on the model, on
// three goroutines, and four batches a call, and wants the same results, bit for bit, with progress in
// batch order.
func TestPassesAnywhere(t *testing.T) {
	for _, arch := range []string{"bert", "gpt2"} {
		t.Run(arch, func(t *testing.T) {
			_, m, tok := load(t, arch)
			task, examples := sst2Sentences(t)
			encs, err := EncodeExamples(tok, task, examples, 64)
			if err != nil {
				t.Fatal(err)
			}
			var tagged []glue.TaggedSentence
			for _, ex := range examples {
				words := strings.Fields(ex.TextA)
				tagged = append(tagged, glue.TaggedSentence{Words: words, Tags: make([]string, len(words))})
			}
			type results struct {
				Sentences, Words *Features
				Attention        any
				Means            [][]float32
			}
			passes := func(r Runner) (res results) {
				t.Helper()
				var done []int
				report := func(p progress.Report) { done = append(done, p.Done) }
				if res.Sentences, err = SentenceFeatures(t.Context(), r, m, encs, 1, tok.PadID(), probe.Mean, report); err != nil {
					t.Fatal(err)
				}
				if res.Words, _, err = WordFeatures(t.Context(), r, m, tok, tagged, 64, 1, report); err != nil {
					t.Fatal(err)
				}
				if res.Attention, err = AttentionStats(t.Context(), r, m, tok, encs, 1, report); err != nil {
					t.Fatal(err)
				}
				if res.Means, err = HeadMeans(t.Context(), r, m, encs, report); err != nil {
					t.Fatal(err)
				}
				n := len(examples)
				var want []int
				for range 4 {
					for k := range n {
						want = append(want, k+1)
					}
				}
				if !slices.Equal(done, want) {
					t.Errorf("progress %v, want 1..%d four times", done, n)
				}
				return res
			}
			want := passes(ModelRunner{Model: m})
			if want.Sentences.N != len(examples) || want.Words.N < len(examples) {
				t.Fatalf("%d sentence rows and %d word rows for %d sentences", want.Sentences.N, want.Words.N, len(examples))
			}
			// Mean ablation's means are patching's, each example a batch alone.
			seqs := make([]*model.Batch, len(encs))
			for i, e := range encs {
				seqs[i] = Batch(m, []tokenizer.Encoding{e}, 0)
			}
			if means, err := patching.HeadMeans(m, seqs); err != nil || !reflect.DeepEqual(want.Means, means) {
				t.Errorf("head means differ from patching.HeadMeans (%v)", err)
			}
			if got := passes(ModelRunner{Model: m, Workers: 3}); !reflect.DeepEqual(got, want) {
				t.Errorf("on three goroutines the passes give other results")
			}
			g := &groupingRunner{ModelRunner: ModelRunner{Model: m}}
			if got := passes(g); !reflect.DeepEqual(got, want) {
				t.Errorf("several batches a call, the passes give other results")
			}
			// 12 batches, at most 12/4 to a call
			if want := []int{3, 3, 3, 3}; !slices.Equal(g.calls[:4], want) || len(g.calls) != 16 {
				t.Errorf("calls of %v batches, want %v for each pass", g.calls, want)
			}
		})
	}
}

// shortRunner answers one Kept too few, as a worker that lost one would.
type shortRunner struct{ ModelRunner }

func (r shortRunner) GroupTokens() int { return 1 << 20 }

func (r shortRunner) Keep(p Pass, batches []PassBatch) ([]*Kept, error) {
	kept, err := r.ModelRunner.Keep(p, batches)
	return kept[:len(kept)-1], err
}

// failingRunner fails every call.
type failingRunner struct{ ModelRunner }

func (failingRunner) Keep(Pass, []PassBatch) ([]*Kept, error) {
	return nil, errors.New("the worker ran out of memory")
}

func TestPassErrors(t *testing.T) {
	_, m, tok := load(t, "bert")
	task, examples := sst2Sentences(t)
	encs, err := EncodeExamples(tok, task, examples, 64)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		r    Runner
		want string
	}{
		{"lost", shortRunner{ModelRunner{Model: m}}, "analysis: sequences 0..2: 2 answers for 3 batches"},
		{"failed", failingRunner{ModelRunner{Model: m}}, "analysis: sequences 0..0: the worker ran out of memory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := SentenceFeatures(t.Context(), tt.r, m, encs, 1, tok.PadID(), probe.First, nil); err == nil || err.Error() != tt.want {
				t.Errorf("features: error %v, want %q", err, tt.want)
			}
			if _, err := AttentionStats(t.Context(), tt.r, m, tok, encs, 1, nil); err == nil || err.Error() != tt.want {
				t.Errorf("statistics: error %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := (Pass{Keep: 7}).Run(m, PassBatch{}); err == nil || err.Error() != "unknown pass 7" {
		t.Errorf("unknown pass: error %v", err)
	}
	b, err := passBatches(m, encs[:2], 2, tok.PadID())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Pass{Keep: KeepAttention}).Run(m, b[0]); err == nil || err.Error() != "tokens of 0 sequences for a batch of 2" {
		t.Errorf("attention without tokens: error %v", err)
	}
}
