package bertology

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/model"
)

// TestConcurrentRunnerSameResults checks that running batches at once changes nothing: importance in
// both modes, entropy, logits and loss come out bit for bit equal for 1, 2 and 5 workers, and so do the
// masking loop's decisions.
func TestConcurrentRunnerSameResults(t *testing.T) {
	cfg, err := checkpoint.ParseConfig([]byte(`{"model_type": "bert", "architectures": ["BertForSequenceClassification"],
		"num_hidden_layers": 3, "hidden_size": 32, "num_attention_heads": 4, "intermediate_size": 64, "vocab_size": 97,
		"initializer_range": 0.3}`))
	if err != nil {
		t.Fatal(err)
	}
	ck, err := model.RandomCheckpoint(cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	// 9 batches of 3 sequences of different lengths, padded to their longest.
	var batches []*model.Batch
	for k := 0; k < 9; k++ {
		var seqs []*model.Batch
		for i := 0; i < 3; i++ {
			n := 3 + (k*5+i*3)%9
			s := &model.Batch{Size: 1, SeqLen: n, InputIDs: make([]int, n), Labels: []int{(k + i) % 2}}
			for j := range s.InputIDs {
				s.InputIDs[j] = (k*31 + i*17 + j*7) % 97
			}
			seqs = append(seqs, s)
		}
		batches = append(batches, m.Collate(seqs, 0, 0))
	}
	for _, mode := range []Mode{ModePaper, ModeScript} {
		opt := Options{Mode: mode, Entropy: true, Importance: true, Normalization: BothNormalizations}
		want, err := ComputeImportance(context.Background(), ModelRunner{Model: m}, batches, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{2, 5} {
			got, err := ComputeImportance(context.Background(), ModelRunner{Model: m, Workers: workers}, batches, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v mode, %d workers: the result differs from one worker's\n got %+v\nwant %+v", mode, workers, got, want)
			}
		}
		// 9 batches of about 30 tokens, on one group runner: groups of 2 (at most 9/(4·1)), and on two:
		// groups of 1 (at most 9/8); at 1 token a group, groups of 1.
		for _, c := range []struct {
			workers, tokens int
			groups          []int
		}{{1, 1000, []int{2, 2, 2, 2, 1}}, {2, 1000, []int{1, 1, 1, 1, 1, 1, 1, 1, 1}}, {1, 1, []int{1, 1, 1, 1, 1, 1, 1, 1, 1}}} {
			g := &groupRunner{ModelRunner: ModelRunner{Model: m, Workers: c.workers}, tokens: c.tokens}
			got, err := ComputeImportance(context.Background(), g, batches, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v mode, groups %v: the result differs from one worker's", mode, g.groups)
			}
			if !reflect.DeepEqual(g.groups, c.groups) {
				t.Errorf("%d workers, %d tokens a group: groups of %v, want %v", c.workers, c.tokens, g.groups, c.groups)
			}
		}
	}
	mopt := MaskingOptions{Threshold: 0.9, Amount: 0.1, Importance: Options{Normalization: BothNormalizations},
		Score: func(imp *Importance) (float64, error) { return 1 / (1 + imp.Loss), nil }}
	want, err := MaskHeads(context.Background(), ModelRunner{Model: m}, batches, mopt)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Rounds) < 2 {
		t.Fatalf("the masking loop ran %d rounds (%s); the test wants several", len(want.Rounds), want.Ended)
	}
	got, err := MaskHeads(context.Background(), ModelRunner{Model: m, Workers: 3}, batches, mopt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("masking loop, 3 workers: %+v\none worker: %+v", got, want)
	}
}

// groupRunner is a GroupRunner on a model that records the size of each group it ran (one batch, from
// Run, counts as a group of 1).
type groupRunner struct {
	ModelRunner
	tokens int
	mu     sync.Mutex
	groups []int
}

func (g *groupRunner) GroupTokens() int { return g.tokens }

func (g *groupRunner) record(n int) {
	g.mu.Lock()
	g.groups = append(g.groups, n)
	g.mu.Unlock()
}

func (g *groupRunner) Run(b *model.Batch, headMask []float32, want Want) (*Step, error) {
	g.record(1)
	return g.ModelRunner.Run(b, headMask, want)
}

func (g *groupRunner) RunGroup(batches []*model.Batch, headMask []float32, want Want) ([]*Step, error) {
	g.record(len(batches))
	var steps []*Step
	for _, b := range batches {
		step, err := g.ModelRunner.Run(b, headMask, want)
		if err != nil {
			return nil, err
		}
		steps = append(steps, step)
	}
	return steps, nil
}
