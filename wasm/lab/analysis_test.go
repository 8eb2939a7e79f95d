package lab

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"bertology/core/analysis"
	"bertology/core/attnstats"
	"bertology/core/golden"
	"bertology/core/probe"
	"bertology/core/rollout"
	"bertology/wasm/protocol"
)

func noReport(protocol.Progress) {}

// loadModel returns a lab holding the golden tiny model of arch.
func loadModel(t *testing.T, arch string) *Lab {
	t.Helper()
	l := New()
	if _, err := l.LoadModel(context.Background(), &protocol.LoadModelRequest{Files: readModel(t, arch)}, noReport); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestHiddenStates checks the cosine matrices and principal components against the forward pass's hidden
// states, computed here from scratch.
func TestHiddenStates(t *testing.T) {
	l := loadBERT(t)
	in := &protocol.ForwardRequest{Text: "the quick brown fox", Pair: "jumps over the lazy dog", HiddenStates: true}
	fw, err := l.Forward(context.Background(), in, noReport)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.HiddenStates(context.Background(), &protocol.HiddenStatesRequest{Text: in.Text, Pair: in.Pair}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	T, D := len(fw.Tokens), 32
	if !reflect.DeepEqual(res.Tokens, fw.Tokens) { // WordPiece tokens read as they are
		t.Errorf("tokens %q, want %q", res.Tokens, fw.Tokens)
	}
	if len(res.Layers) != len(fw.HiddenStates) || len(res.Layers) != 4 {
		t.Fatalf("%d depths, want the embeddings and 3 layers", len(res.Layers))
	}
	for d, layer := range res.Layers {
		h := fw.HiddenStates[d].Data
		vec := func(i int) []float64 {
			v := make([]float64, D)
			for k := range D {
				v[k] = float64(h[i*D+k])
			}
			return v
		}
		if !reflect.DeepEqual(layer.Cosine.Shape, []int{T, T}) || !reflect.DeepEqual(layer.PCA.Shape, []int{T, 2}) || len(layer.Explained) != 2 {
			t.Fatalf("depth %d: cosine %v, pca %v, explained %v", d, layer.Cosine.Shape, layer.PCA.Shape, layer.Explained)
		}
		for i := range T {
			a := vec(i)
			if got, want := float64(layer.Norms[i]), math.Sqrt(dot(a, a)); math.Abs(got-want) > 1e-5*want {
				t.Errorf("depth %d: norm %d is %v, want %v", d, i, got, want)
			}
			for j := range T {
				b := vec(j)
				want := dot(a, b) / math.Sqrt(dot(a, a)*dot(b, b))
				if i == j {
					want = 1
				}
				if got := float64(layer.Cosine.Data[i*T+j]); math.Abs(got-want) > 1e-6 {
					t.Errorf("depth %d: cosine(%d, %d) = %v, want %v", d, i, j, got, want)
				}
			}
		}
		// The coordinates are centred, and their variances are the explained shares of the vectors'
		// total variance.
		total := 0.0
		for k := range D {
			mean := 0.0
			for i := range T {
				mean += float64(h[i*D+k]) / float64(T)
			}
			for i := range T {
				total += (float64(h[i*D+k]) - mean) * (float64(h[i*D+k]) - mean)
			}
		}
		for c := range 2 {
			sum, ss := 0.0, 0.0
			for i := range T {
				x := float64(layer.PCA.Data[i*2+c])
				sum += x
				ss += x * x
			}
			if math.Abs(sum) > 1e-4 {
				t.Errorf("depth %d: component %d coordinates sum to %v, want 0", d, c, sum)
			}
			if got, want := ss/total, layer.Explained[c]; math.Abs(got-want) > 1e-5 {
				t.Errorf("depth %d: component %d holds %v of the variance, reported %v", d, c, got, want)
			}
		}
		if layer.Explained[0] < layer.Explained[1] || layer.Explained[0]+layer.Explained[1] > 1+1e-9 {
			t.Errorf("depth %d: explained %v", d, layer.Explained)
		}
	}
}

// TestRolloutMatchesGolden checks the combined attention and the rollout against Hugging Face's attention
// weights, multiplied out here.
func TestRolloutMatchesGolden(t *testing.T) {
	var g bertGolden
	golden.Decode(t, golden.Path(t, "bert", "golden_float32.json"), &g)
	_, _, _, attentions := g.sequence(0)
	l := loadBERT(t)
	res, err := l.Rollout(context.Background(), &protocol.RolloutRequest{Text: "the quick brown fox", Pair: "jumps over the lazy dog"}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	L, H, T := len(attentions), attentions[0].Shape[0], attentions[0].Shape[1]
	if res.Layers != L || res.Heads != H || len(res.Tokens) != T || res.Residual != 0.5 || res.Reduce != "mean" {
		t.Fatalf("%d layers × %d heads, %d tokens, residual %v, reduce %q", res.Layers, res.Heads, len(res.Tokens), res.Residual, res.Reduce)
	}
	for name, got := range map[string]*protocol.Tensor{"attention": res.Attention, "rollout": res.Rollout} {
		if !reflect.DeepEqual(got.Shape, []int{L, T, T}) {
			t.Fatalf("%s shape %v, want [%d %d %d]", name, got.Shape, L, T, T)
		}
	}
	rolled := identity(T)
	for layer, a := range attentions {
		w := a.F32()
		mean := make([]float64, T*T)
		for h := range H {
			for k := range T * T {
				mean[k] += float64(w[h*T*T+k]) / float64(H)
			}
		}
		aug := make([]float64, T*T)
		for k := range aug {
			aug[k] = 0.5 * mean[k]
		}
		for i := range T {
			aug[i*T+i] += 0.5
		}
		rolled = matMul(aug, rolled, T)
		assertNear(t, "attention", res.Attention.Data[layer*T*T:(layer+1)*T*T], mean, 1e-5)
		assertNear(t, "rollout", res.Rollout.Data[layer*T*T:(layer+1)*T*T], rolled, 1e-5)
	}
	if res.Flow == nil || !reflect.DeepEqual(res.Flow.Shape, []int{T, T}) || res.FlowNote != "" {
		t.Fatalf("flow %v, note %q", res.Flow, res.FlowNote)
	}
	// The flow is the raw maximum flow through Hugging Face's attention, as the command line writes it;
	// the page divides its rows by their sums to show it.
	want := &rollout.Attention{Heads: H, T: T}
	for _, a := range attentions {
		want.Layers = append(want.Layers, a.F32())
	}
	flow, err := rollout.Flow(want, rollout.DefaultOptions(), L)
	if err != nil {
		t.Fatal(err)
	}
	assertNear(t, "flow", res.Flow.Data, flow, 1e-5)
	for k, v := range res.Flow.Data {
		if v < 0 || v > 1+1e-6 {
			t.Errorf("flow[%d, %d] = %v, outside [0, 1]", k/T, k%T, v)
		}
	}

	skipped, err := l.Rollout(context.Background(), &protocol.RolloutRequest{Text: "the quick brown fox", MaxFlowTokens: 3}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	if skipped.Flow != nil || !strings.Contains(skipped.FlowNote, "6 tokens, more than 3") {
		t.Errorf("flow over 6 tokens with at most 3: %v, note %q", skipped.Flow, skipped.FlowNote)
	}
}

func identity(T int) []float64 {
	m := make([]float64, T*T)
	for i := range T {
		m[i*T+i] = 1
	}
	return m
}

func matMul(a, b []float64, T int) []float64 {
	out := make([]float64, T*T)
	for i := range T {
		for k := range T {
			for j := range T {
				out[i*T+j] += a[i*T+k] * b[k*T+j]
			}
		}
	}
	return out
}

func assertNear(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > tol {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestLensCausal checks that the last depth of GPT-2's lens is the model's own prediction, and that the
// targets are the next tokens.
func TestLensCausal(t *testing.T) {
	l := loadModel(t, "gpt2")
	fw, err := l.Forward(context.Background(), &protocol.ForwardRequest{Text: "hello world, again", Logits: true}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Lens(context.Background(), &protocol.LensRequest{Text: "hello world, again", TopK: 3}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	T, vocab := len(fw.IDs), fw.Logits.Shape[1]
	if res.Objective != "next token" || !reflect.DeepEqual(int32s(res.IDs), fw.IDs) || len(res.Tokens) != T || len(res.Layers) != 4 {
		t.Fatalf("objective %q, ids %v (want %v), %d tokens, %d depths", res.Objective, res.IDs, fw.IDs, len(res.Tokens), len(res.Layers))
	}
	last := res.Layers[len(res.Layers)-1].Positions
	for i := range T {
		p := softmax(fw.Logits.Data[i*vocab : (i+1)*vocab])
		best := 0
		for id := range p {
			if p[id] > p[best] {
				best = id
			}
		}
		cell := last[i]
		if len(cell.Top) != 3 || cell.Top[0].ID != best || math.Abs(cell.Top[0].Probability-p[best]) > 1e-5 {
			t.Errorf("position %d: top %+v, want token %d with probability %v", i, cell.Top, best, p[best])
		}
		if i < T-1 {
			next := res.IDs[i+1]
			if res.Targets[i] != next || res.TargetTokens[i] == nil || *res.TargetTokens[i] == "" || cell.TargetProb == nil || math.Abs(*cell.TargetProb-p[next]) > 1e-5 || cell.TargetRank < 1 {
				t.Errorf("position %d: target %d %v, rank %d, probability %v; want %d with %v", i, res.Targets[i], res.TargetTokens[i], cell.TargetRank, cell.TargetProb, next, p[next])
			}
		} else if res.Targets[i] != -1 || res.TargetTokens[i] != nil || cell.TargetProb != nil || cell.TargetRank != 0 {
			t.Errorf("last position: target %d %v, rank %d, probability %v; want none", res.Targets[i], res.TargetTokens[i], cell.TargetRank, cell.TargetProb)
		}
	}
}

// TestLensMasked masks one token of BERT's masked language model and expects the last depth to predict
// it as the model's forward pass does.
func TestLensMasked(t *testing.T) {
	l := loadModel(t, "bert-mlm")
	const text, at = "the quick brown fox", 2
	res, err := l.Lens(context.Background(), &protocol.LensRequest{Text: text, MaskPositions: []int32{at}}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := l.encode(text, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Objective != "masked token" || res.Tokens[at] != "[MASK]" || res.Targets[at] != enc.IDs[at] || res.TargetTokens[at] == nil || *res.TargetTokens[at] != "quick" {
		t.Fatalf("objective %q, tokens %q, target %d %v; want [MASK] at %d standing for %d", res.Objective, res.Tokens, res.Targets[at], res.TargetTokens[at], at, enc.IDs[at])
	}
	for i, id := range res.Targets {
		if i != at && id != -1 {
			t.Errorf("position %d has target %d, want none", i, id)
		}
	}
	fw, err := l.Forward(context.Background(), &protocol.ForwardRequest{IDs: int32s(res.IDs), TypeIDs: int32s(enc.TypeIDs), TopK: 5}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	got, want := res.Layers[len(res.Layers)-1].Positions[at].Top, fw.TopTokens[at]
	for k := range want {
		if got[k].ID != want[k].ID || math.Abs(got[k].Probability-want[k].Probability) > 1e-5 {
			t.Errorf("top %d at the mask: %+v, want %+v", k, got[k], want[k])
		}
	}
}

func TestAnalysisErrors(t *testing.T) {
	tests := []struct {
		name, arch, op string
		fields         map[string]any
		want           string
	}{
		{"lens of a classifier", "bert", protocol.OpLens, map[string]any{"text": "a"}, "lens: the logit lens needs a language-model head"},
		{"mask for a causal model", "gpt2", protocol.OpLens, map[string]any{"text": "a", "maskPositions": []any{0.0}}, "lens: maskPositions are for a masked language model"},
		{"mask outside", "bert-mlm", protocol.OpLens, map[string]any{"text": "a", "maskPositions": []any{9.0}}, "lens: lens: mask position 9 outside 0..2"},
		{"reduce", "bert", protocol.OpRollout, map[string]any{"text": "a", "reduce": "median"}, `rollout: reduce "median": want mean or max`},
		{"residual", "bert", protocol.OpRollout, map[string]any{"text": "a", "residual": 2.0}, "rollout: rollout: residual weight 2 outside [0, 1]"},
		{"too long", "bert", protocol.OpHiddenStates, map[string]any{"text": strings.Repeat("a ", 100)}, "hiddenStates: "},
		{"unknown field", "bert", protocol.OpHiddenStates, map[string]any{"txt": "a"}, `hiddenStates: unknown field "txt"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := loadModel(t, tt.arch)
			_, err := l.Handle(context.Background(), tt.op, tt.fields, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want one starting %q", err, tt.want)
			}
		})
	}
}

// TestProbe probes the golden BERT on the golden SST-2 sentences, reading the hidden states a batch at a
// time, and expects what the core computes over the whole data set at once, as the command line does.
func TestProbe(t *testing.T) {
	l := loadSST2(t)
	var phases []string
	// Half the sentences held out, so that the accuracies move in steps of 1/6.
	res, err := l.Probe(context.Background(), &protocol.ProbeRequest{HeldOut: 0.5}, func(p protocol.Progress) { phases = append(phases, p.Phase) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Task != "sst-2" || res.Pool != "first" || res.Samples != 12 || res.Dim != 32 || !reflect.DeepEqual(res.Classes, []string{"negative", "positive"}) {
		t.Fatalf("task %q pool %q, %d samples of %d, classes %q", res.Task, res.Pool, res.Samples, res.Dim, res.Classes)
	}
	if res.Majority != 0.5 { // six sentences of each label
		t.Errorf("majority share %v, want 0.5", res.Majority)
	}
	if !strings.Contains(strings.Join(phases, " "), "hidden states") || phases[len(phases)-1] != "probing" {
		t.Errorf("phases %q", phases)
	}

	d := l.work.data
	encs, err := analysis.EncodeExamples(l.model.tok, d.task, d.examples, 64)
	if err != nil {
		t.Fatal(err)
	}
	f, err := analysis.SentenceFeatures(t.Context(), analysis.ModelRunner{Model: l.model.model}, l.model.model, encs, len(encs), l.model.tok.PadID(), probe.First, nil)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, len(d.examples))
	for i, ex := range d.examples {
		labels[i] = ex.Label
	}
	opt := probe.DefaultOptions()
	opt.HeldOut = 0.5
	want, err := probe.EvaluateLayers(t.Context(), f.Layers, f.N, f.D, labels, 2, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Layers) != 4 {
		t.Fatalf("%d depths, want the embeddings and 3 layers", len(res.Layers))
	}
	for i, got := range res.Layers {
		w := want[i]
		if got.Layer != i || math.Abs(got.Train-w.Train) > 1e-9 || math.Abs(got.HeldOut-w.HeldOut) > 1e-9 || got.NTrain != w.NTrain ||
			got.NHeldOut != w.NHeldOut || math.Abs(got.Loss-w.Loss) > 1e-6*max(1, w.Loss) {
			t.Errorf("depth %d: %+v, want %+v", i, got, w)
		}
		if got.NTrain != 6 || got.NHeldOut != 6 {
			t.Errorf("depth %d: %d trained, %d held out; want 6 and 6", i, got.NTrain, got.NHeldOut)
		}
	}
	curve := probe.HeldOutAccuracies(want)
	var notes []string
	e, err := probe.ExpectedLayer(curve)
	if err != nil {
		notes = append(notes, strings.TrimPrefix(err.Error(), "probe: "))
	} else if res.ExpectedLayer == nil || math.Abs(*res.ExpectedLayer-e) > 1e-9 {
		t.Errorf("expected layer %v, want %v", res.ExpectedLayer, e)
	}
	c, err := probe.CentreOfGravity(curve)
	if err != nil {
		notes = append(notes, strings.TrimPrefix(err.Error(), "probe: "))
	} else if res.CentreOfGravity == nil || math.Abs(*res.CentreOfGravity-c) > 1e-9 {
		t.Errorf("centre of gravity %v, want %v", res.CentreOfGravity, c)
	}
	if !reflect.DeepEqual(res.Notes, notes) {
		t.Errorf("notes %q, want %q", res.Notes, notes)
	}
	t.Logf("held-out accuracy per depth %v, majority %v, notes %q", curve, res.Majority, res.Notes)
}

// TestAttnStats computes the statistics a batch at a time and expects what the core computes over the
// whole data set at once.
func TestAttnStats(t *testing.T) {
	l := loadSST2(t)
	res, err := l.AttnStats(context.Background(), &protocol.AttnStatsRequest{Top: 3}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	d := l.work.data
	encs, err := analysis.EncodeExamples(l.model.tok, d.task, d.examples, 64)
	if err != nil {
		t.Fatal(err)
	}
	want, err := analysis.AttentionStats(t.Context(), analysis.ModelRunner{Model: l.model.model}, l.model.model, l.model.tok, encs, len(encs), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Task != "sst-2" || res.Examples != 12 || res.Tokens != want.Tokens || res.Layers != 3 || res.Heads != 4 ||
		!reflect.DeepEqual(res.SpecialTokens, []string{"[CLS]", "[SEP]"}) {
		t.Fatalf("task %q, %d examples of %d tokens, %d × %d heads, special %q", res.Task, res.Examples, res.Tokens, res.Layers, res.Heads, res.SpecialTokens)
	}
	if len(res.Statistics) != int(attnstats.NumStatistics) || len(res.Top) != int(attnstats.NumStatistics) {
		t.Fatalf("%d statistics and %d lists of top heads, want %d", len(res.Statistics), len(res.Top), attnstats.NumStatistics)
	}
	for s := range attnstats.NumStatistics {
		key := s.Key()
		values, top := res.Statistics[key], res.Top[key]
		if values == nil || !reflect.DeepEqual(values.Shape, []int{3, 4}) || len(top) != 3 {
			t.Fatalf("statistic %d: key %q, values %v, %d top heads", s, key, values, len(top))
		}
		assertNear(t, key, values.Data, want.Mean[s], 1e-6)
		for k, h := range want.Top(s, 3) {
			if got := top[k]; got.Layer != h.Layer || got.Head != h.Head || math.Abs(got.Score-h.Score) > 1e-9 {
				t.Errorf("%s: top %d is %+v, want %+v", key, k, got, h)
			}
		}
	}
}

// TestDatasetAnalysesStop cancels the probe and the statistics while they read the data set.
func TestDatasetAnalysesStop(t *testing.T) {
	l := loadSST2(t)
	for _, op := range []string{protocol.OpProbe, protocol.OpAttnStats} {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		_, err := l.Handle(ctx, op, nil, func(protocol.Progress) {
			if calls++; calls == 2 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) || calls != 2 {
			t.Errorf("%s: error %v after %d reports, want context.Canceled after 2", op, err, calls)
		}
	}
}

func TestDatasetAnalysesErrors(t *testing.T) {
	tests := []struct {
		name string
		data *protocol.LoadDatasetRequest // nil: none loaded
		op   string
		req  map[string]any
		want string
	}{
		{"no data", nil, protocol.OpProbe, nil, "probe: no data set is loaded"},
		{"no data", nil, protocol.OpAttnStats, nil, "attnStats: no data set is loaded"},
		{"plain text", &protocol.LoadDatasetRequest{Name: "a.txt", Bytes: []byte("hello world\n")}, protocol.OpProbe, nil, "probe: a.txt is plain text"},
		{"regression", &protocol.LoadDatasetRequest{Name: "dev.tsv", Task: "sts-b",
			Bytes: []byte("index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n0\tg\tf\t2012\t0\ts\ts\ta dog\ta cat\t2.5\n")},
			protocol.OpProbe, nil, "probe: STS-B is a regression task"},
		{"held out", &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: sst2(t)}, protocol.OpProbe, map[string]any{"heldOut": 1.5}, "probe: heldOut is 1.5"},
		{"pool", &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: sst2(t)}, protocol.OpProbe, map[string]any{"pool": "max"}, `probe: pool "max"`},
		{"subset", &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: sst2(t)}, protocol.OpAttnStats, map[string]any{"subset": -1.0}, "attnStats: subset -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := loadBERT(t)
			if tt.data != nil {
				if _, err := l.LoadDataset(context.Background(), tt.data, noReport); err != nil {
					t.Fatal(err)
				}
			}
			_, err := l.Handle(context.Background(), tt.op, tt.req, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want one starting %q", err, tt.want)
			}
		})
	}
}

// TestHiddenStatesOneToken: GPT-2 reads "hello" as one token, whose vectors have no spread to analyse.
func TestHiddenStatesOneToken(t *testing.T) {
	l := loadModel(t, "gpt2")
	enc, err := l.encode("hello", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc.IDs) != 1 {
		t.Fatalf("the golden GPT-2 reads hello as %q, not one token", enc.Tokens)
	}
	res, err := l.HiddenStates(context.Background(), &protocol.HiddenStatesRequest{Text: "hello"}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	for d, layer := range res.Layers {
		if !reflect.DeepEqual(layer.PCA.Shape, []int{1, 1}) || layer.PCA.Data[0] != 0 || !reflect.DeepEqual(layer.Explained, []float64{0}) ||
			len(layer.Cosine.Data) != 1 || math.Abs(float64(layer.Cosine.Data[0])-1) > 1e-6 {
			t.Errorf("depth %d: pca %v %v, explained %v, cosine %v", d, layer.PCA.Shape, layer.PCA.Data, layer.Explained, layer.Cosine.Data)
		}
	}
}
