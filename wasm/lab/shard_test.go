package lab

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"bertology/core/analysis"
	"bertology/core/glue"
	"bertology/core/probe"
	"bertology/wasm/protocol"
)

// labShards is a pool of shards as the browser's, each a lab of its own, reached through the
// protocol's value trees as a worker reaches them: requests and answers are encoded and decoded.
type labShards struct {
	free    chan *Lab // the shards not running a batch
	size    int
	version int

	mu       sync.Mutex
	runs     map[*Lab]int // batches each shard ran
	messages int          // runBatch requests
}

func newLabShards(n int) *labShards {
	p := &labShards{free: make(chan *Lab, n), size: n, runs: map[*Lab]int{}}
	for range n {
		p.free <- New()
	}
	return p
}

func (p *labShards) Concurrency() int  { return p.size }
func (p *labShards) ModelVersion() int { return p.version }

func (p *labShards) SetModel(version int, files map[string][]byte) error {
	for range p.size {
		s := <-p.free
		defer func() { p.free <- s }()
		if _, err := s.Handle(context.Background(), protocol.OpLoadModel, map[string]any{"files": filesTree(files)}, nil); err != nil {
			return err
		}
	}
	p.version = version
	return nil
}

func (p *labShards) Run(op string, req, res any) error {
	s := <-p.free
	defer func() { p.free <- s }()
	p.mu.Lock()
	switch r := req.(type) {
	case *protocol.RunBatchRequest:
		p.runs[s] += len(r.Batches)
	case *protocol.AnalyzeBatchRequest:
		p.runs[s] += len(r.Batches)
	}
	p.messages++
	p.mu.Unlock()
	out, err := s.Handle(context.Background(), op, protocol.Encode(req).(map[string]any), nil)
	if err != nil {
		return err
	}
	return protocol.Decode(protocol.Encode(out), res)
}

// sideBySide is a lab alone and a lab whose data-set passes run on a pool of two shards.
type sideBySide struct {
	t    *testing.T
	labs [2]*Lab // alone, pooled
	pool *labShards
}

func newSideBySide(t *testing.T) *sideBySide {
	p := &sideBySide{t: t, labs: [2]*Lab{New(), New()}, pool: newLabShards(2)}
	p.labs[1].pool = p.pool
	return p
}

// each makes the request of both labs and returns their answers, alone first.
func (p *sideBySide) each(op string, req any) [2]any {
	p.t.Helper()
	var out [2]any
	for i, l := range p.labs {
		res, err := callErr(l, context.Background(), op, req, nil)
		if err != nil {
			p.t.Fatalf("%s (lab %d of 2): %v", op, i+1, err)
		}
		out[i] = res
	}
	return out
}

// same wants the two answers equal, bit for bit.
func (p *sideBySide) same(what string, res [2]any) {
	p.t.Helper()
	if !equalNaN(reflect.ValueOf(res[0]), reflect.ValueOf(res[1])) {
		p.t.Errorf("%s on the shards:\n%+v\nin the lab:\n%+v", what, res[1], res[0])
	}
}

// equalNaN is reflect.DeepEqual with NaN equal to NaN: a pruned head's attention statistics are NaN,
// bit for bit the same on the shards and in the lab.
func equalNaN(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() || a.IsValid() && a.Type() != b.Type() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return x == y || math.IsNaN(x) && math.IsNaN(y)
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalNaN(a.Elem(), b.Elem())
	case reflect.Slice, reflect.Array:
		if a.Kind() == reflect.Slice && a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equalNaN(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			if v := b.MapIndex(k); !v.IsValid() || !equalNaN(a.MapIndex(k), v) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !equalNaN(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.String:
		return a.String() == b.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// TestShardsComputeWhatTheLabDoes runs each data-set pass of the workflow in the lab itself and on a
// pool of two shards, and wants the same results, bit for bit, before and after pruning.
func TestShardsComputeWhatTheLabDoes(t *testing.T) {
	for _, c := range []struct {
		arch, name string
		data       []byte
	}{
		{"bert", "SST-2/dev.tsv", sst2(t)},
		{"gpt2", "wiki.txt", []byte("the quick brown fox\n\nhello world !\r\nthis movie is great\nthe end\n")},
	} {
		t.Run(c.arch, func(t *testing.T) {
			p := newSideBySide(t)
			each, same, pool := p.each, p.same, p.pool
			each(protocol.OpLoadModel, &protocol.LoadModelRequest{Files: readModel(t, c.arch)})
			each(protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: c.name, Bytes: c.data})
			same("importance", each(protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 2}))
			if pool.version != 1 {
				t.Errorf("the pool holds model version %d, want 1", pool.version)
			}
			mask := make([]float32, 12)
			for i := range mask {
				mask[i] = float32(i % 2)
			}
			same("evaluation with a mask", each(protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: mask}))
			same("masking loop", each(protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{Threshold: 0.9, Amount: 0.25}))
			each(protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"0": {1}, "1": {0, 2}}})
			same("evaluation of the pruned model", each(protocol.OpEvaluate, &protocol.EvaluateRequest{}))
			if pool.version != 2 {
				t.Errorf("after pruning, the pool holds model version %d, want 2", pool.version)
			}
			each(protocol.OpRestoreModel, nil)
			same("importance of the restored model", each(protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 2}))
			if pool.version != 3 {
				t.Errorf("after restoring, the pool holds model version %d, want 3", pool.version)
			}
			if len(pool.runs) != 2 {
				t.Errorf("%d shards ran batches, want both: %v", len(pool.runs), pool.runs)
			}
		})
	}
}

// TestShardsGroupShortBatches runs importance at batch 1 over 48 short sentences on two shards: the
// batches travel several to a message, and the result is the lab's own, bit for bit.
func TestShardsGroupShortBatches(t *testing.T) {
	data := sst2Repeated(t, 48)
	alone, pooled := New(), New()
	pool := newLabShards(2)
	pooled.pool = pool
	var res [2]*protocol.ImportanceResult
	for i, l := range []*Lab{alone, pooled} {
		call[protocol.ModelInfo](t, l, protocol.OpLoadModel, &protocol.LoadModelRequest{Files: readModel(t, "bert")})
		info := call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: []byte(data)})
		if info.Count != 48 {
			t.Fatalf("the data set has %d examples, want 48", info.Count)
		}
		res[i] = call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 1})
	}
	if !reflect.DeepEqual(res[0], res[1]) {
		t.Errorf("importance on the shards:\n%+v\nin the lab:\n%+v", res[1], res[0])
	}
	ran := 0
	for _, n := range pool.runs {
		ran += n
	}
	// 48 batches, at most 48/(4·2) = 6 to a message
	if ran != 48 || pool.messages != 8 {
		t.Errorf("the shards ran %d batches in %d messages, want 48 in 8", ran, pool.messages)
	}
}

// sst2Repeated is the golden SST-2 file with its sentences repeated to n.
func sst2Repeated(t *testing.T, n int) string {
	lines := strings.SplitAfter(strings.TrimSpace(string(sst2(t))), "\n")
	data := lines[0]
	for len(strings.Split(data, "\n")) <= n {
		for _, line := range lines[1:] {
			data += strings.TrimSuffix(line, "\n") + "\n"
		}
	}
	return strings.Join(strings.Split(data, "\n")[:n+1], "\n") + "\n"
}

// TestShardsComputeTheAnalysesOfTheLab runs the analyses' data-set passes (probe features of
// sentences, pooled two ways, and of words; attention statistics) in the lab itself and on a pool of
// two shards, and wants the same results, bit for bit, also after pruning.
func TestShardsComputeTheAnalysesOfTheLab(t *testing.T) {
	data := sst2Repeated(t, 48)
	var tagged []glue.TaggedSentence
	for _, line := range strings.Split(strings.TrimSpace(data), "\n")[1:13] {
		words := strings.Fields(strings.Split(line, "\t")[0])
		tags := make([]string, len(words))
		for i, w := range words {
			tags[i] = fmt.Sprint(len(w) % 3)
		}
		tagged = append(tagged, glue.TaggedSentence{Words: words, Tags: tags})
	}
	for _, arch := range []string{"bert", "gpt2"} {
		t.Run(arch, func(t *testing.T) {
			p := newSideBySide(t)
			p.each(protocol.OpLoadModel, &protocol.LoadModelRequest{Files: readModel(t, arch)})
			p.each(protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: []byte(data)})
			// passes runs the core's passes on each lab's runner, for results in float64, as the core
			// computes them before the lab rounds what it sends to the page.
			passes := func() [2]any {
				t.Helper()
				var out [2]any
				for i, l := range p.labs {
					r, err := l.analysisRunner()
					if err != nil {
						t.Fatal(err)
					}
					d, err := l.encodeData(0, 64, false)
					if err != nil {
						t.Fatal(err)
					}
					m, tok := l.model.model, l.model.tok
					sentences, err := analysis.SentenceFeatures(t.Context(), r, m, d.encs, analysisBatch, tok.PadID(), probe.Mean, nil)
					if err != nil {
						t.Fatalf("sentence features (lab %d of 2): %v", i+1, err)
					}
					words, tags, err := analysis.WordFeatures(t.Context(), r, m, tok, tagged, 64, analysisBatch, nil)
					if err != nil {
						t.Fatalf("word features (lab %d of 2): %v", i+1, err)
					}
					stats, err := analysis.AttentionStats(t.Context(), r, m, tok, d.encs, analysisBatch, nil)
					if err != nil {
						t.Fatalf("attention statistics (lab %d of 2): %v", i+1, err)
					}
					out[i] = []any{sentences, words, tags, stats}
				}
				return out
			}
			p.same("probe", p.each(protocol.OpProbe, &protocol.ProbeRequest{}))
			p.same("probe of mean vectors", p.each(protocol.OpProbe, &protocol.ProbeRequest{Pool: "mean", HeldOut: 0.5}))
			p.same("attention statistics", p.each(protocol.OpAttnStats, &protocol.AttnStatsRequest{Top: 4}))
			p.same("the core's passes", passes())
			// 48 sentences in 6 batches of analysisBatch, a message each, in five passes; 12 tagged ones in 2
			if ran := p.pool.runs; len(ran) != 2 || p.pool.messages != 5*6+2 {
				t.Errorf("the shards ran %v batches in %d messages, want both shards and %d messages", ran, p.pool.messages, 5*6+2)
			}
			// Mean ablation's means, one example a batch, also run on the shards.
			one, zero := 1, 0
			ablate := &protocol.AblateRequest{Text: "the quick brown fox", Mode: "mean", Subset: 20, A: &one, B: &zero}
			before := p.pool.messages
			p.same("mean ablation", p.each(protocol.OpAblate, ablate))
			if p.pool.messages == before {
				t.Error("the shards ran none of mean ablation's examples")
			}

			// Pruning needs importance, which a language model computes on plain text.
			if arch == "gpt2" {
				p.each(protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "wiki.txt", Bytes: []byte("the quick brown fox\nhello world !\n")})
			}
			p.each(protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 8})
			p.each(protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"0": {1}, "1": {0}, "2": {3}}})
			p.each(protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: []byte(data)})
			p.same("probe of the pruned model", p.each(protocol.OpProbe, &protocol.ProbeRequest{Pool: "last"}))
			p.same("the core's passes on the pruned model", passes())
			p.same("attention statistics of the pruned model", p.each(protocol.OpAttnStats, &protocol.AttnStatsRequest{Subset: 30}))
			p.same("mean ablation of the pruned model", p.each(protocol.OpAblate, ablate))
			if p.pool.version != 2 {
				t.Errorf("after pruning, the pool holds model version %d, want 2", p.pool.version)
			}
		})
	}
}

// failingShards fails every batch, as a pool does whose shards cannot run it.
type failingShards struct{ *labShards }

func (failingShards) Run(string, any, any) error {
	return errors.New("the shard ran out of memory")
}

func TestShardErrors(t *testing.T) {
	l := loadSST2(t)
	l.pool = failingShards{newLabShards(2)}
	_, err := callErr(l, context.Background(), protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16}, nil)
	if want := "importance: batch 0: on a worker: the shard ran out of memory"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}

	bad := protocol.Encode(&protocol.RunBatchRequest{Batches: []protocol.Batch{{Size: 1, SeqLen: 3, InputIDs: []int32{1, 2}}}})
	batch := protocol.Batch{Size: 1, SeqLen: 3, InputIDs: []int32{2, 26, 3}}
	analyze := func(req protocol.AnalyzeBatchRequest) any { return protocol.Encode(&req) }
	for _, c := range []struct {
		lab  *Lab
		op   string
		req  any
		want string
	}{
		{New(), protocol.OpRunBatch, map[string]any{}, "runBatch: no model is loaded"},
		{loadBERT(t), protocol.OpRunBatch, bad, "runBatch: input_ids has 2 values, want 3"},
		{New(), protocol.OpAnalyzeBatch, map[string]any{}, "analyzeBatch: no model is loaded"},
		{loadBERT(t), protocol.OpAnalyzeBatch, analyze(protocol.AnalyzeBatchRequest{Keep: 7, Batches: []protocol.AnalysisBatch{{Batch: batch}}}),
			"analyzeBatch: unknown pass 7"},
		{loadBERT(t), protocol.OpAnalyzeBatch, analyze(protocol.AnalyzeBatchRequest{Keep: 1, Batches: []protocol.AnalysisBatch{{Batch: batch}, {Batch: batch}}}),
			"analyzeBatch: batch 1 of 2: probe: positions for 0 sequences, hidden states have 1"},
		{loadBERT(t), protocol.OpAnalyzeBatch, analyze(protocol.AnalyzeBatchRequest{Keep: 2, Batches: []protocol.AnalysisBatch{{Batch: batch, Tokens: [][]string{{"a"}}}}}),
			"analyzeBatch: sequence 0 of the batch: attnstats: the example has 1 tokens for attention over 3"},
	} {
		_, err := c.lab.Handle(context.Background(), c.op, c.req.(map[string]any), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want %q", c.op, c.req, err, c.want)
		}
	}
}
