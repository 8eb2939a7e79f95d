package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"bertology/core/f64"
	"bertology/core/golden"
	"bertology/core/kernel"
	"bertology/core/model"
	"bertology/wasm/protocol"
)

// bertGolden is the part of testdata/golden/bert/golden_float32.json these tests read.
type bertGolden struct {
	Inputs struct {
		InputIDs      golden.Tensor `json:"input_ids"`
		AttentionMask golden.Tensor `json:"attention_mask"`
		TokenTypeIDs  golden.Tensor `json:"token_type_ids"`
	} `json:"inputs"`
	Forward struct {
		Logits     golden.Tensor   `json:"logits"`
		Attentions []golden.Tensor `json:"attentions"`
	} `json:"forward"`
}

// sequence returns golden input b without its padding, and its attention of every layer.
func (g *bertGolden) sequence(b int) (ids, typeIDs []int32, logits *golden.Tensor, attentions []*golden.Tensor) {
	t := g.Inputs.InputIDs.Shape[1]
	allIDs, mask, types := g.Inputs.InputIDs.Ints(), g.Inputs.AttentionMask.Ints(), g.Inputs.TokenTypeIDs.Ints()
	n := 0
	for i := range t {
		n += mask[b*t+i]
	}
	ids, typeIDs = int32s(allIDs[b*t:b*t+n]), int32s(types[b*t:b*t+n])
	labels := g.Forward.Logits.Shape[1]
	logits = &golden.Tensor{Shape: []int{labels}, Data: g.Forward.Logits.Data[b*labels : (b+1)*labels]}
	for _, a := range g.Forward.Attentions {
		heads := a.Shape[1]
		want := &golden.Tensor{Shape: []int{heads, n, n}}
		for h := range heads {
			for i := range n {
				row := ((b*heads+h)*t + i) * t
				want.Data = append(want.Data, a.Data[row:row+n]...)
			}
		}
		attentions = append(attentions, want)
	}
	return ids, typeIDs, logits, attentions
}

func readModel(t *testing.T, arch string) map[string][]byte {
	t.Helper()
	dir := golden.Path(t, arch, "model")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// loadBERT returns a lab holding the golden tiny BERT classifier.
func loadBERT(t *testing.T) *Lab {
	t.Helper()
	l := New()
	if _, err := l.Handle(context.Background(), protocol.OpLoadModel, map[string]any{"files": filesTree(readModel(t, "bert"))}, nil); err != nil {
		t.Fatal(err)
	}
	return l
}

// filesTree is the files as the module receives them from JavaScript.
func filesTree(files map[string][]byte) map[string]any {
	tree := map[string]any{}
	for name, b := range files {
		tree[name] = b
	}
	return tree
}

func TestLoadModel(t *testing.T) {
	l := New()
	var phases []string
	res, err := l.Handle(context.Background(), protocol.OpLoadModel, map[string]any{"files": filesTree(readModel(t, "bert"))},
		func(p protocol.Progress) { phases = append(phases, p.Phase) })
	if err != nil {
		t.Fatal(err)
	}
	info := res.(*protocol.ModelInfo)
	want := &protocol.ModelInfo{
		Type: "bert", Architecture: "BertForSequenceClassification",
		Layers: 3, Heads: 4, HeadsPerLayer: []int{4, 4, 4}, KeptHeads: [][]int{{0, 1, 2, 3}, {0, 1, 2, 3}, {0, 1, 2, 3}}, Hidden: 32, Intermediate: 64, Vocab: 147, MaxPositions: 64,
		Params: info.Params, Labels: []string{"LABEL_0", "LABEL_1"},
		Files:   []string{"config.json", "model.safetensors", "pytorch_model.bin", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"},
		Kernels: kernel.Default.Name(),
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("model info\n got %+v\nwant %+v", info, want)
	}
	// Parameters of BertForSequenceClassification: embeddings, 3 layers, pooler, classifier.
	const d, ff, v, p, types, layers, labels = 32, 64, 147, 64, 2, 3, 2
	params := (v+p+types)*d + 2*d + layers*(4*(d*d+d)+2*d+d*ff+ff+ff*d+d+2*d) + d*d + d + d*labels + labels
	if info.Params != params {
		t.Errorf("params %d, want %d", info.Params, params)
	}
	if !slices.Contains(phases, "reading weights") || phases[len(phases)-1] != "building the model" {
		t.Errorf("progress %v, want reading weights, then building the model", phases)
	}
}

// TestLoadModelCancelled checks that loading stops between two tensors once it is cancelled, keeping
// the model loaded before.
func TestLoadModelCancelled(t *testing.T) {
	l := loadBERT(t)
	ctx, cancel := context.WithCancel(context.Background())
	reads := 0
	_, err := l.Handle(ctx, protocol.OpLoadModel, map[string]any{"files": filesTree(readModel(t, "gpt2"))}, func(p protocol.Progress) {
		if p.Phase == "reading weights" {
			reads++
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || reads != 1 {
		t.Errorf("error %v after %d reports, want context.Canceled after the first", err, reads)
	}
	if info, err := l.ModelInfo(); err != nil || info.Type != "bert" {
		t.Errorf("after the cancel the lab has %+v (%v), want the BERT loaded before", info, err)
	}
}

// TestLoadModelName loads a model whose config.json has no model_type: the request's name decides it,
// as a directory's name does for transformers, and without one the error says what is missing.
func TestLoadModelName(t *testing.T) {
	files := readModel(t, "distilbert")
	var cfg map[string]any
	if err := json.Unmarshal(files["config.json"], &cfg); err != nil {
		t.Fatal(err)
	}
	delete(cfg, "model_type")
	delete(cfg, "architectures")
	var err error
	if files["config.json"], err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	l := New()
	_, err = l.Handle(context.Background(), protocol.OpLoadModel, map[string]any{"files": filesTree(files)}, noReport)
	if err == nil || !strings.Contains(err.Error(), "no model_type") {
		t.Errorf("no name: error %v, want one saying there is no model_type", err)
	}
	res, err := l.Handle(context.Background(), protocol.OpLoadModel,
		map[string]any{"files": filesTree(files), "name": "https://example.org/models/distilbert-sst2/"}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	if info := res.(*protocol.ModelInfo); info.Type != "distilbert" || info.Layers != 3 {
		t.Errorf("model info %+v, want a 3-layer distilbert", info)
	}
}

func TestForwardMatchesGolden(t *testing.T) {
	var g bertGolden
	golden.Decode(t, golden.Path(t, "bert", "golden_float32.json"), &g)
	l := loadBERT(t)
	texts := []struct{ text, pair string }{
		{"the quick brown fox", "jumps over the lazy dog"},
		{"hello world!", ""},
		{"this movie is great", ""},
	}
	for b, in := range texts {
		ids, typeIDs, logits, attentions := g.sequence(b)
		byIDs := &protocol.ForwardRequest{IDs: ids, TypeIDs: typeIDs}
		byText := &protocol.ForwardRequest{Text: in.text, Pair: in.pair}
		for _, req := range []*protocol.ForwardRequest{byIDs, byText} {
			res, err := l.Handle(context.Background(), protocol.OpForward, protocol.Encode(req).(map[string]any), nil)
			if err != nil {
				t.Fatalf("input %d: %v", b, err)
			}
			out := res.(*protocol.ForwardResult)
			if !reflect.DeepEqual(out.IDs, ids) || !reflect.DeepEqual(out.TypeIDs, typeIDs) {
				t.Fatalf("input %d %q: ids %v types %v, want %v %v", b, in.text, out.IDs, out.TypeIDs, ids, typeIDs)
			}
			if len(out.Tokens) != len(ids) || out.Tokens[0] != "[CLS]" {
				t.Errorf("input %d: tokens %q", b, out.Tokens)
			}
			if !reflect.DeepEqual(out.Logits.Shape, []int{2}) {
				t.Errorf("logits shape %v, want [2]", out.Logits.Shape)
			}
			golden.AssertClose(t, "logits", out.Logits.Data, logits, 1e-5)
			if len(out.Attentions) != len(attentions) {
				t.Fatalf("%d attention layers, want %d", len(out.Attentions), len(attentions))
			}
			for layer, a := range out.Attentions {
				if !reflect.DeepEqual(a.Shape, attentions[layer].Shape) {
					t.Fatalf("layer %d attention shape %v, want %v", layer, a.Shape, attentions[layer].Shape)
				}
				golden.AssertClose(t, "attentions", a.Data, attentions[layer], 1e-5)
			}
			if len(out.Classes) != 2 {
				t.Fatalf("classes %+v", out.Classes)
			}
			p := softmax(out.Logits.Data)
			for i, c := range out.Classes {
				if c.Label != []string{"LABEL_0", "LABEL_1"}[i] || c.Probability != p[i] || c.Logit != float64(out.Logits.Data[i]) {
					t.Errorf("class %d: %+v, want probability %v", i, c, p[i])
				}
			}
		}
	}
}

func TestForwardHeadMaskAndHiddenStates(t *testing.T) {
	l := loadBERT(t)
	mask := make([]float32, 12)
	for i := range mask {
		mask[i] = 1
	}
	mask[1] = 0 // layer 0, head 1
	res, err := l.Forward(context.Background(), &protocol.ForwardRequest{Text: "hello world", HeadMask: mask, HiddenStates: true}, func(protocol.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.HiddenStates); n != 4 {
		t.Fatalf("%d hidden states, want embeddings + 3 layers", n)
	}
	if s := res.HiddenStates[0].Shape; !reflect.DeepEqual(s, []int{4, 32}) {
		t.Errorf("hidden state shape %v, want [4 32]", s)
	}
	a := res.Attentions[0]
	for i, w := range a.Data[16:32] { // head 1: a masked head's attention is all zeros
		if w != 0 {
			t.Fatalf("masked head 1 of layer 0 has weight %v at %d", w, i)
		}
	}
}

func TestTokenize(t *testing.T) {
	l := loadBERT(t)
	res, err := l.Handle(context.Background(), protocol.OpTokenize, map[string]any{"text": "Hello, world!", "pair": "unaffable"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &protocol.Tokens{
		Tokens:  []string{"[CLS]", "hello", ",", "world", "!", "[SEP]", "un", "##aff", "##able", "[SEP]"},
		IDs:     []int32{2, 99, 6, 100, 7, 3, 101, 102, 103, 3},
		TypeIDs: []int32{0, 0, 0, 0, 0, 0, 1, 1, 1, 1},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v\nwant %+v", res, want)
	}
}

// TestTruncate checks the lab's truncation against transformers' truncation=True (longest_first) on
// the golden BERT, whose maximum is 64 tokens: a single text keeps its first 62 tokens between [CLS]
// and [SEP]; a pair loses tokens off the longer text only, and both keep their [SEP].
func TestTruncate(t *testing.T) {
	l := loadBERT(t)
	hellos := strings.TrimSpace(strings.Repeat("hello ", 100)) // 100 tokens "hello", id 99
	repeat := func(tok string, id int32, n int) ([]string, []int32) {
		return slices.Repeat([]string{tok}, n), slices.Repeat([]int32{id}, n)
	}
	tests := []struct {
		name, text, pair string
		wantTokens       []string
		wantIDs          []int32
		wantTypeIDs      []int32
		wantTruncated    int
	}{
		{name: "fits", text: "hello world", wantTokens: []string{"[CLS]", "hello", "world", "[SEP]"},
			wantIDs: []int32{2, 99, 100, 3}, wantTypeIDs: []int32{0, 0, 0, 0}},
		{name: "single", text: hellos, wantTruncated: 100 + 2 - 64},
		{name: "pair", text: hellos, pair: "unaffable", wantTruncated: 100 + 3 + 3 - 64},
	}
	// The long inputs' wants: [CLS] hello… [SEP] (un ##aff ##able [SEP]).
	tok, id := repeat("hello", 99, 62)
	tests[1].wantTokens = slices.Concat([]string{"[CLS]"}, tok, []string{"[SEP]"})
	tests[1].wantIDs = slices.Concat([]int32{2}, id, []int32{3})
	tests[1].wantTypeIDs = make([]int32, 64)
	tok, id = repeat("hello", 99, 64-3-3)
	tests[2].wantTokens = slices.Concat([]string{"[CLS]"}, tok, []string{"[SEP]", "un", "##aff", "##able", "[SEP]"})
	tests[2].wantIDs = slices.Concat([]int32{2}, id, []int32{3, 101, 102, 103, 3})
	tests[2].wantTypeIDs = slices.Concat(make([]int32, 64-4), []int32{1, 1, 1, 1})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := &protocol.Tokens{Tokens: tt.wantTokens, IDs: tt.wantIDs, TypeIDs: tt.wantTypeIDs, Truncated: tt.wantTruncated}
			got, err := l.Tokenize(&protocol.TokenizeRequest{Text: tt.text, Pair: tt.pair, Truncate: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("tokenize: got %+v\nwant %+v", got, want)
			}
			res, err := l.Forward(context.Background(), &protocol.ForwardRequest{Text: tt.text, Pair: tt.pair, Truncate: true}, func(protocol.Progress) {})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Tokens, want.Tokens) || res.Truncated != want.Truncated || res.Attentions[0].Shape[1] != len(want.Tokens) {
				t.Errorf("forward: tokens %v, truncated %d, attention shape %v; want the tokenizer's, truncated %d",
					res.Tokens, res.Truncated, res.Attentions[0].Shape, want.Truncated)
			}
			// The analyses of one input truncate as forward does.
			hidden, err := l.HiddenStates(context.Background(), &protocol.HiddenStatesRequest{Text: tt.text, Pair: tt.pair, Truncate: true}, func(protocol.Progress) {})
			if err != nil {
				t.Fatal(err)
			}
			flow, err := l.Rollout(context.Background(), &protocol.RolloutRequest{Text: tt.text, Pair: tt.pair, Truncate: true}, func(protocol.Progress) {})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(hidden.Tokens, want.Tokens) || !slices.Equal(flow.Tokens, want.Tokens) {
				t.Errorf("analyses: hidden states' tokens %v, rollout's %v; want the tokenizer's", hidden.Tokens, flow.Tokens)
			}
			// Without truncation the long inputs stay an error that says the lengths.
			_, err = l.Forward(context.Background(), &protocol.ForwardRequest{Text: tt.text, Pair: tt.pair}, func(protocol.Progress) {})
			if tt.wantTruncated > 0 {
				wantErr := fmt.Sprintf("%d tokens, more than the maximum length 64", 64+tt.wantTruncated)
				if err == nil || !strings.Contains(err.Error(), wantErr) {
					t.Errorf("forward without truncation: error %v, want one saying %q", err, wantErr)
				}
			} else if err != nil {
				t.Errorf("forward without truncation: %v", err)
			}
		})
	}
}

func TestLanguageModelTopTokens(t *testing.T) {
	l := New()
	if _, err := l.LoadModel(context.Background(), &protocol.LoadModelRequest{Files: readModel(t, "gpt2")}, func(protocol.Progress) {}); err != nil {
		t.Fatal(err)
	}
	lean, err := l.Forward(context.Background(), &protocol.ForwardRequest{Text: "hello world", TopK: 3}, func(protocol.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.Forward(context.Background(), &protocol.ForwardRequest{Text: "hello world", TopK: 3, Logits: true}, func(protocol.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(lean.Logits.Data) != 0 || !reflect.DeepEqual(lean.TopTokens, res.TopTokens) {
		t.Errorf("without logits asked: %d logits, top tokens %v (with: %v)", len(lean.Logits.Data), lean.TopTokens, res.TopTokens)
	}
	n, vocab := len(res.Tokens), 337
	if !reflect.DeepEqual(res.Logits.Shape, []int{n, vocab}) {
		t.Fatalf("logits shape %v, want [%d %d]", res.Logits.Shape, n, vocab)
	}
	if len(res.TopTokens) != n || res.Classes != nil {
		t.Fatalf("%d positions of top tokens for %d tokens; classes %v", len(res.TopTokens), n, res.Classes)
	}
	for i, top := range res.TopTokens {
		p := softmax(res.Logits.Data[i*vocab : (i+1)*vocab])
		if len(top) != 3 {
			t.Fatalf("position %d: %d top tokens, want 3", i, len(top))
		}
		for k, s := range top {
			if s.Probability != p[s.ID] || s.Token != l.model.tok.Token(s.ID) {
				t.Errorf("position %d: %+v, want probability %v", i, s, p[s.ID])
			}
			if k > 0 && s.Probability > top[k-1].Probability {
				t.Errorf("position %d: not sorted: %+v", i, top)
			}
			for id, q := range p { // nothing left out beats the last one kept
				if q > top[len(top)-1].Probability && !hasID(top, id) {
					t.Errorf("position %d: token %d (p=%v) missing from %+v", i, id, q, top)
				}
			}
		}
	}
}

func hasID(top []protocol.TokenScore, id int) bool {
	for _, s := range top {
		if s.ID == id {
			return true
		}
	}
	return false
}

func TestErrors(t *testing.T) {
	files := readModel(t, "bert")
	corrupt := map[string][]byte{}
	for name, b := range files {
		corrupt[name] = b
	}
	corrupt["model.safetensors"] = files["model.safetensors"][:1000] // cut in the middle of the data
	delete(corrupt, "pytorch_model.bin")

	tests := []struct {
		name   string
		loaded bool // run with the golden BERT loaded
		op     string
		fields map[string]any
		want   string
	}{
		{"no model", false, protocol.OpForward, map[string]any{"text": "a"}, "forward: no model is loaded: send loadModel first"},
		{"unknown op", false, "fly", nil, `unknown op "fly" (known: `},
		{"unknown field", true, protocol.OpForward, map[string]any{"txt": "a"}, `forward: unknown field "txt"`},
		{"corrupt safetensors", true, protocol.OpLoadModel, map[string]any{"files": filesTree(corrupt)}, "loadModel: model.safetensors:"},
		{"no config", false, protocol.OpLoadModel, map[string]any{"files": map[string]any{"vocab.txt": []byte("a")}}, "loadModel: checkpoint: no config.json among the files ([vocab.txt])"},
		{"head mask", true, protocol.OpForward, map[string]any{"text": "a", "headMask": []any{1.0}}, "forward: head mask has 1 values, want 12"},
		{"id range", true, protocol.OpForward, map[string]any{"ids": []any{2.0, 500.0}}, "forward: ids[1] is 500, outside the vocabulary of 147"},
		{"ids and text", true, protocol.OpForward, map[string]any{"ids": []any{2.0}, "text": "a"}, "forward: give either text (and pair) or ids, not both"},
		{"type ids", true, protocol.OpForward, map[string]any{"ids": []any{2.0}, "typeIds": []any{0.0, 0.0}}, "forward: typeIds has 2 values for 1 ids"},
		{"too long", true, protocol.OpForward, map[string]any{"text": strings.Repeat("a ", 100)}, "forward: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New()
			if tt.loaded {
				l = loadBERT(t)
			}
			_, err := l.Handle(context.Background(), tt.op, tt.fields, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v, want one starting %q", err, tt.want)
			}
			if tt.loaded {
				// The model loaded before is still there and works.
				if _, err := l.Forward(context.Background(), &protocol.ForwardRequest{Text: "hello"}, func(protocol.Progress) {}); err != nil {
					t.Errorf("after the error, forward fails: %v", err)
				}
			}
		})
	}
}

// TestLoadModelMemory checks that a model that would not fit the memory left is refused before its
// weights are read, with the estimate, and that the model loaded before stays.
func TestLoadModelMemory(t *testing.T) {
	l := loadBERT(t)
	defer func(limit int64) { model.MemoryLimit = limit }(model.MemoryLimit)
	model.MemoryLimit = 1
	_, err := l.Handle(context.Background(), protocol.OpLoadModel, map[string]any{"files": filesTree(readModel(t, "gpt2"))}, nil)
	for _, want := range []string{"loadModel: loading the model needs ~", "weights ", "the checkpoint as read ", "activations ", "of it free; try"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one mentioning %q", err, want)
		}
	}
	model.MemoryLimit = 0
	info, err := l.ModelInfo()
	if err != nil || info.Type != "bert" {
		t.Errorf("after the refusal the lab has %+v (%v), want the BERT loaded before", info, err)
	}
}

func TestCancelled(t *testing.T) {
	l := loadBERT(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.Handle(ctx, protocol.OpForward, map[string]any{"text": "hello"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// softmax is the probabilities of z, as the lab reports them.
func softmax(z []float32) []float64 {
	p := make([]float64, len(z))
	f64.Softmax(p, z)
	return p
}
