package lab

import (
	"context"
	"math"
	"strings"
	"testing"

	"bertology/wasm/protocol"
)

// TestQueriesGiveForwardAttention checks the queries op against the forward op: every head's
// softmax(q·k / scale), and the scores it comes from, recomputed here from the returned vectors, are
// the attention the forward op returns (itself Hugging Face's, TestForwardMatchesGolden), with each row
// summing to 1, for an encoder, a causal model and a Llama with grouped-query attention.
func TestQueriesGiveForwardAttention(t *testing.T) {
	for _, tc := range []struct {
		arch, text, pair string
		kvGroup          int
	}{
		{"bert", "the quick brown fox", "jumps over the lazy dog", 1},
		{"gpt2", "hello world, hello", "", 1},
		{"llama", "once upon a time", "", 2},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			l := New()
			if _, err := l.Handle(context.Background(), protocol.OpLoadModel, map[string]any{"files": filesTree(readModel(t, tc.arch))}, nil); err != nil {
				t.Fatal(err)
			}
			fwd := call[protocol.ForwardResult](t, l, protocol.OpForward, &protocol.ForwardRequest{Text: tc.text, Pair: tc.pair})
			n := len(fwd.Tokens)
			worst := 0.0
			for layer, attn := range fwd.Attentions {
				for h := range attn.Shape[0] {
					// by the ids and type ids forward returned, as the page asks (a GPT-2's type ids are empty)
					res := call[protocol.QueriesResult](t, l, protocol.OpQueries, &protocol.QueriesRequest{IDs: fwd.IDs, TypeIDs: append([]int32{}, fwd.TypeIDs...), Layer: layer, Head: h})
					if res.KVHead != h/tc.kvGroup || len(res.Tokens) != n || res.Queries.Shape[0] != n || res.Keys.Shape[0] != n {
						t.Fatalf("layer %d head %d: kv head %d, %d tokens, queries %v keys %v", layer, h, res.KVHead, len(res.Tokens), res.Queries.Shape, res.Keys.Shape)
					}
					hd := res.Queries.Shape[1]
					for i := range n {
						var sum float64
						for j := range n {
							p := float64(res.Probs.Data[i*n+j])
							sum += p
							worst = max(worst, math.Abs(p-float64(attn.Data[(h*n+i)*n+j])))
							if res.Causal && j > i {
								continue
							}
							var s float64
							for d := range hd {
								s += float64(res.Queries.Data[i*hd+d]) * float64(res.Keys.Data[j*hd+d])
							}
							if math.Abs(s-float64(res.Scores.Data[i*n+j])) > 1e-5*max(1, math.Abs(s)) {
								t.Fatalf("layer %d head %d: score %d,%d is %v, q·k %v", layer, h, i, j, res.Scores.Data[i*n+j], s)
							}
						}
						if math.Abs(sum-1) > 1e-5 {
							t.Fatalf("layer %d head %d row %d sums to %v", layer, h, i, sum)
						}
					}
				}
			}
			t.Logf("max |queries' softmax - forward's attention| = %.2g", worst)
			if worst > 1e-5 {
				t.Errorf("max |diff| %.2g > 1e-5", worst)
			}
		})
	}
}

func TestQueriesErrors(t *testing.T) {
	l := loadBERT(t)
	for _, tc := range []struct {
		req  protocol.QueriesRequest
		want string
	}{
		{protocol.QueriesRequest{Text: "a", Layer: 9}, "layer 9 is outside the model's 3 layers"},
		{protocol.QueriesRequest{Text: "a", Head: 4}, "head 4 is outside the model's 4 heads"},
		{protocol.QueriesRequest{Text: "a", IDs: []int32{2}}, "give either text (and pair) or ids, not both"},
	} {
		_, err := callErr(l, context.Background(), protocol.OpQueries, &tc.req, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.req, err, tc.want)
		}
	}
}
