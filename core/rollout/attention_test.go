package rollout

import (
	"strings"
	"testing"

	"bertology/core/tensor"
)

func TestCrop(t *testing.T) {
	// Batch of 2 sequences, 2 heads, 3 positions; entry value encodes (b, h, i, j) as b·1000 + h·100 + i·10 + j.
	const B, H, S = 2, 2, 3
	layer := tensor.New(B, H, S, S)
	for b := 0; b < B; b++ {
		for h := 0; h < H; h++ {
			for i := 0; i < S; i++ {
				for j := 0; j < S; j++ {
					layer.Data[((b*H+h)*S+i)*S+j] = float32(b*1000 + h*100 + i*10 + j)
				}
			}
		}
	}
	// Left padding: position 0 of sequence 1 is padding, so positions 1 and 2 remain.
	a, err := Crop([]*tensor.Tensor{layer, layer}, 1, []int{0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1011, 1012, 1021, 1022, 1111, 1112, 1121, 1122}
	if a.Heads != H || a.T != 2 || len(a.Layers) != 2 {
		t.Fatalf("got %d heads, %d tokens, %d layers", a.Heads, a.T, len(a.Layers))
	}
	for k, w := range want {
		if a.Layers[1][k] != w {
			t.Fatalf("layer 1 = %v, want %v", a.Layers[1], want)
		}
	}

	// A pruned model's layers: two heads, one, none. Crop numbers each layer's from 0.
	pruned, err := Crop([]*tensor.Tensor{layer, tensor.New(B, 1, S, S), tensor.New(B, 0, S, S)}, 1, []int{0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if pruned.Heads != 2 || len(pruned.Layers[1]) != 4 || len(pruned.Layers[2]) != 0 || len(pruned.Kept) != 3 ||
		len(pruned.Kept[0]) != 2 || len(pruned.Kept[1]) != 1 || len(pruned.Kept[2]) != 0 {
		t.Errorf("pruned crop: %d heads, kept %v, layer sizes %d, %d, %d", pruned.Heads, pruned.Kept, len(pruned.Layers[0]), len(pruned.Layers[1]), len(pruned.Layers[2]))
	}
	if a.Kept != nil {
		t.Errorf("unpruned crop keeps %v, want nil", a.Kept)
	}

	for _, tt := range []struct {
		name   string
		layers []*tensor.Tensor
		b      int
		mask   []int
		want   string
	}{
		{"batch index", []*tensor.Tensor{layer}, 2, []int{1, 1, 1}, "sequence 2 outside batch of 2"},
		{"mask length", []*tensor.Tensor{layer}, 0, []int{1, 1}, "mask has 2 entries, attention has 3"},
		{"empty mask", []*tensor.Tensor{layer}, 0, []int{0, 0, 0}, "no real tokens"},
		{"shape", []*tensor.Tensor{tensor.New(1, 2, 3)}, 0, []int{1, 1, 1}, "want [batch, heads, seq, seq]"},
		{"layers disagree", []*tensor.Tensor{layer, tensor.New(1, H, S, S)}, 0, []int{1, 1, 1}, "layer 1 has shape"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Crop(tt.layers, tt.b, tt.mask)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
