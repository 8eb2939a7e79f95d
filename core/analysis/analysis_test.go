package analysis

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"bertology/core/attnstats"
	"bertology/core/checkpoint"
	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/probe"
	"bertology/core/progress"
	"bertology/core/rollout"
	"bertology/core/tensor"
	"bertology/core/tokenizer"
)

const tolerance = 1e-5

type goldenFile struct {
	Inputs  map[string]*golden.Tensor `json:"inputs"`
	Forward struct {
		HiddenStates []*golden.Tensor `json:"hidden_states"`
		Attentions   []*golden.Tensor `json:"attentions"`
	} `json:"forward"`
}

func load(t *testing.T, arch string) (*checkpoint.Checkpoint, *model.Model, tokenizer.Tokenizer) {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	return ck, m, tok
}

// goldens caches the decoded golden files, which several tests read (slowly, as wasm); tests must not
// modify them.
var goldens = map[string]*goldenFile{}

// goldenEncodings cuts the golden batch's sequences down to their real tokens.
func goldenEncodings(t *testing.T, arch string) (*goldenFile, []tokenizer.Encoding) {
	g := goldens[arch]
	if g == nil {
		g = &goldenFile{}
		golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), g)
		goldens[arch] = g
	}
	ids := g.Inputs["input_ids"]
	B, S := ids.Shape[0], ids.Shape[1]
	all, mask := ids.Ints(), g.Inputs["attention_mask"].Ints()
	var types []int
	if tt := g.Inputs["token_type_ids"]; tt != nil {
		types = tt.Ints()
	}
	encs := make([]tokenizer.Encoding, B)
	for b := range B {
		for s := range S {
			if mask[b*S+s] == 0 {
				continue
			}
			encs[b].IDs = append(encs[b].IDs, all[b*S+s])
			encs[b].AttentionMask = append(encs[b].AttentionMask, 1)
			if types != nil {
				encs[b].TypeIDs = append(encs[b].TypeIDs, types[b*S+s])
			}
		}
	}
	return g, encs
}

func TestBatch(t *testing.T) {
	encs := []tokenizer.Encoding{
		{IDs: []int{2, 10, 3}, TypeIDs: []int{0, 0, 0}},
		{IDs: []int{2, 11, 12, 3, 13}, TypeIDs: []int{0, 0, 0, 0, 1}},
	}
	_, bert, _ := load(t, "bert")
	_, distilbert, _ := load(t, "distilbert")
	b := Batch(bert, encs, 7)
	if b.Size != 2 || b.SeqLen != 5 {
		t.Fatalf("batch of %d×%d, want 2×5", b.Size, b.SeqLen)
	}
	for _, c := range []struct {
		name      string
		got, want []int
	}{
		{"input ids", b.InputIDs, []int{2, 10, 3, 7, 7, 2, 11, 12, 3, 13}},
		{"attention mask", b.AttentionMask, []int{1, 1, 1, 0, 0, 1, 1, 1, 1, 1}},
		{"token types", b.TokenTypeIDs, []int{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s %v, want %v", c.name, c.got, c.want)
		}
	}
	if b := Batch(bert, []tokenizer.Encoding{{IDs: []int{5}}}, 0); b.TokenTypeIDs != nil {
		t.Errorf("token types %v for encodings without them", b.TokenTypeIDs)
	}
	if b := Batch(distilbert, encs, 7); b.TokenTypeIDs != nil || !slices.Equal(b.InputIDs[:5], []int{2, 10, 3, 7, 7}) {
		t.Errorf("DistilBERT batch: ids %v, token types %v (DistilBERT has none)", b.InputIDs, b.TokenTypeIDs)
	}
}

func TestTokenStrings(t *testing.T) {
	for _, tc := range []struct {
		arch, text    string
		want, special []string
	}{
		{"bert", "the jumping fox, quick", []string{"[CLS]", "the", "jump", "##ing", "fox", ",", "quick", "[SEP]"}, []string{"[CLS]", "[SEP]"}},
		{"gpt2", "the fox, quick", []string{"t", "he", " fox", ",", " ", "q", "u", "ick"}, []string{"<|endoftext|>"}},
		{"openai-gpt", "the fox, quick", []string{"the", "fox", ",", "q", "u", "i", "c", "k"}, nil},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			_, _, tok := load(t, tc.arch)
			enc, err := tok.Encode(tc.text, "", false, tokenizer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := TokenStrings(tok, enc.IDs); !slices.Equal(got, tc.want) {
				t.Errorf("TokenStrings = %q, want %q", got, tc.want)
			}
			if got := SpecialTokens(tok); !slices.Equal(got, tc.special) {
				t.Errorf("SpecialTokens = %q, want %q", got, tc.special)
			}
		})
	}
}

// TestSentenceFeatures pools the hidden states of the golden sequences, batched differently from the
// goldens, and expects Hugging Face's hidden states.
func TestSentenceFeatures(t *testing.T) {
	for _, arch := range []string{"bert", "gpt2"} {
		for _, pool := range []probe.Pool{probe.First, probe.Last, probe.Mean} {
			t.Run(fmt.Sprintf("%s/%d", arch, pool), func(t *testing.T) {
				ck, m, tok := load(t, arch)
				g, encs := goldenEncodings(t, arch)
				var calls []int
				f, err := SentenceFeatures(t.Context(), ModelRunner{Model: m}, m, encs, 2, tok.PadID(), pool, func(r progress.Report) { calls = append(calls, r.Done, r.Total) })
				if err != nil {
					t.Fatal(err)
				}
				D, S := ck.Config.HiddenSize, g.Inputs["input_ids"].Shape[1]
				if len(f.Layers) != ck.Config.NumLayers+1 || f.N != len(encs) || f.D != D {
					t.Fatalf("%d layers of %d×%d features, want %d of %d×%d", len(f.Layers), f.N, f.D, ck.Config.NumLayers+1, len(encs), D)
				}
				if want := []int{1, 2, 2, 2}; !slices.Equal(calls, want) {
					t.Errorf("progress calls %v, want %v", calls, want)
				}
				for l, h := range g.Forward.HiddenStates {
					for s, enc := range encs {
						rows := []int{0}
						switch pool {
						case probe.Last:
							rows = []int{len(enc.IDs) - 1}
						case probe.Mean:
							rows = rows[:0]
							for r := range enc.IDs {
								rows = append(rows, r)
							}
						}
						for d := range D {
							var want float64
							for _, r := range rows {
								want += h.Data[(s*S+r)*D+d]
							}
							want /= float64(len(rows))
							if got := f.Layers[l][s*D+d]; math.Abs(got-want) > tolerance {
								t.Fatalf("layer %d sequence %d feature %d: %v, want %v", l, s, d, got, want)
							}
						}
					}
				}
			})
		}
	}
}

// TestWordFeatures checks that each word's row is the hidden state of its first sub-word in a forward
// pass of its sentence alone.
func TestWordFeatures(t *testing.T) {
	ck, m, tok := load(t, "bert")
	tagged, err := glue.ReadTagged(strings.NewReader("the\tDET\njumping\tVERB\nfox\tNOUN\n\nquick\tADJ\n,\tPUNCT\nbrown\tADJ\n\nfox\tNOUN\n"))
	if err != nil {
		t.Fatal(err)
	}
	f, tags, err := WordFeatures(t.Context(), ModelRunner{Model: m}, m, tok, tagged, 16, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"DET", "VERB", "NOUN", "ADJ", "PUNCT", "ADJ", "NOUN"}; !slices.Equal(tags, want) {
		t.Errorf("tags %v, want %v", tags, want)
	}
	D := ck.Config.HiddenSize
	if f.N != 7 || len(f.Layers) != ck.Config.NumLayers+1 {
		t.Fatalf("%d rows in %d layers, want 7 in %d", f.N, len(f.Layers), ck.Config.NumLayers+1)
	}
	row := 0
	for _, s := range tagged {
		enc, first, err := dataset.AlignWords(tok, s.Words)
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.Forward(&model.Batch{Size: 1, SeqLen: len(enc.IDs), InputIDs: enc.IDs, TokenTypeIDs: enc.TypeIDs}, model.Options{HiddenStates: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range first {
			for l, h := range out.HiddenStates {
				for d := range D {
					if got, want := f.Layers[l][row*D+d], float64(h.Data[p*D+d]); math.Abs(got-want) > tolerance {
						t.Fatalf("word %d layer %d feature %d: %v, want %v", row, l, d, got, want)
					}
				}
			}
			row++
		}
	}
	if _, _, err := WordFeatures(t.Context(), ModelRunner{Model: m}, m, tok, tagged, 4, 2, nil); err == nil || !strings.Contains(err.Error(), "tagged sentence 0 is 6 tokens, more than the maximum of 4") {
		t.Errorf("too long: error %v", err)
	}
}

// TestAttentionMatchesGolden runs each golden sequence alone and expects Hugging Face's attentions of the
// padded batch, cut to the real tokens.
func TestAttentionMatchesGolden(t *testing.T) {
	for _, arch := range []string{"bert", "distilbert", "gpt2", "openai-gpt"} {
		t.Run(arch, func(t *testing.T) {
			_, m, _ := load(t, arch)
			g, encs := goldenEncodings(t, arch)
			want := goldenAttentions(t, g)
			for s, enc := range encs {
				a, err := Attention(m, enc)
				if err != nil {
					t.Fatal(err)
				}
				assertAttention(t, fmt.Sprintf("sequence %d", s), a, want[s])
			}
		})
	}
}

func goldenAttentions(t *testing.T, g *goldenFile) []*rollout.Attention {
	var layers []*tensor.Tensor
	for _, a := range g.Forward.Attentions {
		layers = append(layers, tensor.FromData(a.F32(), a.Shape...))
	}
	mask := g.Inputs["attention_mask"]
	B, S := mask.Shape[0], mask.Shape[1]
	out := make([]*rollout.Attention, B)
	for b := range B {
		a, err := rollout.Crop(layers, b, mask.Ints()[b*S:(b+1)*S])
		if err != nil {
			t.Fatal(err)
		}
		out[b] = a
	}
	return out
}

func assertAttention(t *testing.T, what string, got, want *rollout.Attention) {
	t.Helper()
	if got.Heads != want.Heads || got.T != want.T || len(got.Layers) != len(want.Layers) {
		t.Fatalf("%s: %d layers of %d heads over %d tokens, want %d of %d over %d", what, len(got.Layers), got.Heads, got.T, len(want.Layers), want.Heads, want.T)
	}
	for l := range got.Layers {
		for k, v := range got.Layers[l] {
			if math.Abs(float64(v-want.Layers[l][k])) > tolerance {
				t.Fatalf("%s layer %d weight %d: %v, want %v", what, l, k, v, want.Layers[l][k])
			}
		}
	}
}

// TestAttentionStatsMatchesGolden accumulates the statistics through the model, two sequences a batch, and
// expects those of Hugging Face's attentions.
func TestAttentionStatsMatchesGolden(t *testing.T) {
	for _, arch := range []string{"bert", "gpt2"} {
		t.Run(arch, func(t *testing.T) {
			ck, m, tok := load(t, arch)
			g, encs := goldenEncodings(t, arch)
			whole, err := AttentionStats(t.Context(), ModelRunner{Model: m}, m, tok, encs, 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			// One sequence a batch, the result is the same.
			parts, err := AttentionStats(t.Context(), ModelRunner{Model: m}, m, tok, encs, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			acc := attnstats.New(ck.Config.NumLayers, ck.Config.NumHeads, SpecialTokens(tok))
			for s, a := range goldenAttentions(t, g) {
				if err := acc.Add(TokenStrings(tok, encs[s].IDs), a); err != nil {
					t.Fatal(err)
				}
			}
			want := acc.Result()
			for how, got := range map[string]*attnstats.Result{"two a batch": whole, "one a batch": parts} {
				if got.Examples != want.Examples || got.Tokens != want.Tokens {
					t.Fatalf("%s: %d examples of %d tokens, want %d of %d", how, got.Examples, got.Tokens, want.Examples, want.Tokens)
				}
				for s := range attnstats.NumStatistics {
					for k, v := range got.Mean[s] {
						if math.Abs(v-want.Mean[s][k]) > tolerance {
							t.Errorf("%s: %s of head %d: %v, want %v", how, s, k, v, want.Mean[s][k])
						}
					}
				}
			}
		})
	}
}

// TestPreviousTokenHead builds a GPT-2 whose layer 0 head 2 attends to the previous token, runs the
// attention statistics over the golden SST-2 sentences through the model, and expects that head first
// for the previous token, with nearly all its attention there.
func TestPreviousTokenHead(t *testing.T) {
	ck, _, tok := load(t, "gpt2")
	const head = 2
	setPreviousTokenHead(t, ck, head)
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
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
	encs, err := EncodeExamples(tok, task, examples, 64)
	if err != nil {
		t.Fatal(err)
	}
	r, err := AttentionStats(t.Context(), ModelRunner{Model: m, Workers: 2}, m, tok, encs, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	top := r.Top(attnstats.ToPrev, 2)
	if top[0].Layer != 0 || top[0].Head != head || top[0].Score <= 0.9 {
		t.Fatalf("top heads for the previous token %+v, want layer 0 head %d above 0.9", top, head)
	}
	if top[1].Score > 0.9 {
		t.Errorf("another head attends to the previous token too: %+v", top[1])
	}
	t.Logf("previous-token head: %+v over %d examples, %d tokens; runner-up %+v", top[0], r.Examples, r.Tokens, top[1])
}

// setPreviousTokenHead rewrites a GPT-2 checkpoint so that head h of layer 0 attends to the previous token:
// the token embeddings are zeroed and position t embedded as the angle θt on a circle (with its negative
// in two more dimensions, so that the mean is zero and ln_1, made a plain normalisation, only scales it);
// the head's query rotates the position back by θ and its key reads it unrotated, so the score q_i·k_j ∝
// cos θ(i−1−j) peaks at j = i−1. θ = π/64 keeps every causal offset 0 ≤ i−j < 64 on one side of the peak.
func setPreviousTokenHead(t *testing.T, ck *checkpoint.Checkpoint, h int) {
	c := ck.Config
	D, hd := c.HiddenSize, c.HeadDim()
	w := func(name string) []float32 {
		x, ok := ck.Weights[name]
		if !ok {
			t.Fatalf("checkpoint lacks %s", name)
		}
		return x.Data
	}
	clear(w("transformer.wte.weight"))
	theta := math.Pi / 64
	wpe := w("transformer.wpe.weight")
	clear(wpe)
	for p := range c.MaxPositions {
		cos, sin := float32(math.Cos(theta*float64(p))), float32(math.Sin(theta*float64(p)))
		wpe[p*D], wpe[p*D+1], wpe[p*D+2], wpe[p*D+3] = cos, sin, -cos, -sin
	}
	for i := range D {
		w("transformer.h.0.ln_1.weight")[i], w("transformer.h.0.ln_1.bias")[i] = 1, 0
	}
	// c_attn is [D, 3D] (in, out), its output q | k | v, each head hd wide.
	cattn, bias := w("transformer.h.0.attn.c_attn.weight"), w("transformer.h.0.attn.c_attn.bias")
	q, k := h*hd, D+h*hd
	for i := range D {
		for j := range hd {
			cattn[i*3*D+q+j], cattn[i*3*D+k+j] = 0, 0
		}
	}
	for j := range hd {
		bias[q+j], bias[k+j] = 0, 0
	}
	const scale = 2000 // sharpens the softmax: neighbouring offsets differ by 1−cos θ ≈ 1.2e-3
	cos, sin := float32(scale*math.Cos(theta)), float32(scale*math.Sin(theta))
	// q = scale·R(−θ)·(x0, x1): rotating position i back to i−1.
	cattn[0*3*D+q], cattn[1*3*D+q] = cos, sin
	cattn[0*3*D+q+1], cattn[1*3*D+q+1] = -sin, cos
	cattn[0*3*D+k], cattn[1*3*D+k+1] = 1, 1
}
