package bertology

import "math"

// AddAttentionEntropy adds, for each head, the entropy of every real query row of attn to sum[h]:
// attn is one layer's attention [batch, heads, T, T] and mask the attention mask [batch, T]. Entropy uses
// the natural log with 0·log 0 = 0, so a fully masked head (all-zero rows) adds nothing. Padded query
// positions are skipped, as run_bertology.py multiplies them by the attention mask.
func AddAttentionEntropy(sum []float64, attn []float32, mask []int, batch, heads, T int) {
	for b := 0; b < batch; b++ {
		for h := 0; h < heads; h++ {
			for i := 0; i < T; i++ {
				if mask != nil && mask[b*T+i] == 0 {
					continue
				}
				row := attn[((b*heads+h)*T+i)*T : ((b*heads+h)*T+i+1)*T]
				sum[h] += rowEntropy(row)
			}
		}
	}
}

// rowEntropy is -Σ p log p over one attention distribution.
func rowEntropy(p []float32) float64 {
	var e float64
	for _, v := range p {
		if v > 0 {
			e -= float64(v) * math.Log(float64(v))
		}
	}
	return e
}
