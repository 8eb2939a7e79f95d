package lab

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

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

func (p *labShards) Run(req *protocol.RunBatchRequest) (*protocol.RunBatchResult, error) {
	s := <-p.free
	defer func() { p.free <- s }()
	p.mu.Lock()
	p.runs[s] += len(req.Batches)
	p.messages++
	p.mu.Unlock()
	res, err := s.Handle(context.Background(), protocol.OpRunBatch, protocol.Encode(req).(map[string]any), nil)
	if err != nil {
		return nil, err
	}
	var out protocol.RunBatchResult
	if err := protocol.Decode(protocol.Encode(res), &out); err != nil {
		return nil, err
	}
	return &out, nil
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
			alone, pooled := New(), New()
			pool := newLabShards(2)
			pooled.pool = pool
			labs := []*Lab{alone, pooled}
			each := func(op string, req any) [2]any {
				t.Helper()
				var out [2]any
				for i, l := range labs {
					res, err := callErr(l, context.Background(), op, req, nil)
					if err != nil {
						t.Fatalf("%s (lab %d of 2): %v", op, i+1, err)
					}
					out[i] = res
				}
				return out
			}
			same := func(what string, res [2]any) {
				t.Helper()
				if !reflect.DeepEqual(res[0], res[1]) {
					t.Errorf("%s on the shards:\n%+v\nin the lab:\n%+v", what, res[1], res[0])
				}
			}
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
	lines := strings.SplitAfter(strings.TrimSpace(string(sst2(t))), "\n")
	data := lines[0]
	for len(strings.Split(data, "\n")) <= 48 {
		for _, line := range lines[1:] {
			data += strings.TrimSuffix(line, "\n") + "\n"
		}
	}
	data = strings.Join(strings.Split(data, "\n")[:49], "\n") + "\n"
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

// failingShards fails every batch, as a pool does whose shards cannot run it.
type failingShards struct{ *labShards }

func (failingShards) Run(*protocol.RunBatchRequest) (*protocol.RunBatchResult, error) {
	return nil, errors.New("the shard ran out of memory")
}

func TestShardErrors(t *testing.T) {
	l := loadSST2(t)
	l.pool = failingShards{newLabShards(2)}
	_, err := callErr(l, context.Background(), protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16}, nil)
	if want := "importance: batch 0: on a worker: the shard ran out of memory"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}

	bad := protocol.Encode(&protocol.RunBatchRequest{Batches: []protocol.Batch{{Size: 1, SeqLen: 3, InputIDs: []int32{1, 2}}}})
	for _, c := range []struct {
		lab  *Lab
		req  any
		want string
	}{
		{New(), map[string]any{}, "runBatch: no model is loaded"},
		{loadBERT(t), bad, "runBatch: input_ids has 2 values, want 3"},
	} {
		_, err := c.lab.Handle(context.Background(), protocol.OpRunBatch, c.req.(map[string]any), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("runBatch %v: error %v, want %q", c.req, err, c.want)
		}
	}
}
