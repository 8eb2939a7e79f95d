package probe

import "fmt"

// Pool says how SentenceFeatures turns a sequence of hidden vectors into one.
type Pool int

const (
	// First takes the first real token: [CLS] for BERT and DistilBERT.
	First Pool = iota
	// Last takes the last real token, the one that has seen the whole sentence in GPT-2 and OpenAI GPT.
	Last
	// Mean averages the real tokens.
	Mean
)

// SentenceFeatures pools each of the B sequences of hidden states hidden ([B, T, D] row-major, float32 as the
// model returns them) into one vector and returns them as [B, D] float64. mask ([B, T], 1 for a real token
// and 0 for padding, either side) says which positions count; nil means all of them.
func SentenceFeatures(hidden []float32, B, T, D int, mask []int, pool Pool) ([]float64, error) {
	if err := checkHidden(hidden, B, T, D); err != nil {
		return nil, err
	}
	if mask != nil && len(mask) != B*T {
		return nil, fmt.Errorf("probe: mask has %d entries, want %d sequences × %d positions", len(mask), B, T)
	}
	if pool != First && pool != Last && pool != Mean {
		return nil, fmt.Errorf("probe: unknown pooling %d", pool)
	}
	out := make([]float64, B*D)
	for b := 0; b < B; b++ {
		var real []int
		for t := 0; t < T; t++ {
			if mask == nil || mask[b*T+t] != 0 {
				real = append(real, t)
			}
		}
		if len(real) == 0 {
			return nil, fmt.Errorf("probe: sequence %d has no real tokens in its mask", b)
		}
		switch pool {
		case First:
			real = real[:1]
		case Last:
			real = real[len(real)-1:]
		}
		dst := out[b*D : (b+1)*D]
		for _, t := range real {
			for d, v := range hidden[(b*T+t)*D : (b*T+t+1)*D] {
				dst[d] += float64(v)
			}
		}
		for d := range dst {
			dst[d] /= float64(len(real))
		}
	}
	return out, nil
}

// TokenFeatures returns the hidden vectors ([B, T, D] row-major) of the token positions listed per sequence
// in positions (len B), in order, as [n, D] float64 with n the total number of positions. For word-level tags
// on a sub-word tokenizer, list the first piece of every word; the i-th row then pairs with the i-th tag.
func TokenFeatures(hidden []float32, B, T, D int, positions [][]int) ([]float64, error) {
	if err := checkHidden(hidden, B, T, D); err != nil {
		return nil, err
	}
	if len(positions) != B {
		return nil, fmt.Errorf("probe: positions for %d sequences, hidden states have %d", len(positions), B)
	}
	var out []float64
	for b, ps := range positions {
		for _, t := range ps {
			if t < 0 || t >= T {
				return nil, fmt.Errorf("probe: sequence %d position %d outside 0..%d", b, t, T-1)
			}
			for _, v := range hidden[(b*T+t)*D : (b*T+t+1)*D] {
				out = append(out, float64(v))
			}
		}
	}
	return out, nil
}

func checkHidden(hidden []float32, B, T, D int) error {
	if B < 1 || T < 1 || D < 1 {
		return fmt.Errorf("probe: hidden states of %d×%d×%d, want positive dimensions", B, T, D)
	}
	if len(hidden) != B*T*D {
		return fmt.Errorf("probe: %d hidden values, want %d sequences × %d positions × %d = %d", len(hidden), B, T, D, B*T*D)
	}
	return nil
}
