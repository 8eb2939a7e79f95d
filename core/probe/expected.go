package probe

import "fmt"

// ExpectedLayer is Tenney et al.'s expected layer under the differential scores: with scores[l] the probing
// score using layers up to l (scores[0] for the embeddings), Δ_l = scores[l] − scores[l−1] and
// E_Δ[l] = Σ_{l≥1} l·Δ_l / Σ_{l≥1} Δ_l. It says at which layer, on average, the score improves. Tenney et al.
// score cumulative (scalar-mix) probes, whose curve rarely falls; with one probe per layer a falling score
// gives a negative Δ, which the formula keeps. The denominator is scores[L] − scores[0], so a curve that ends
// where it starts has no expected layer and gets an error.
func ExpectedLayer(scores []float64) (float64, error) {
	if len(scores) < 2 {
		return 0, fmt.Errorf("probe: expected layer needs scores for at least two layers, have %d", len(scores))
	}
	var num, den float64
	for l := 1; l < len(scores); l++ {
		delta := scores[l] - scores[l-1]
		num += float64(l) * delta
		den += delta
	}
	if den == 0 {
		return 0, fmt.Errorf("probe: expected layer undefined: last score equals the first (%v)", scores[0])
	}
	return num / den, nil
}

// CentreOfGravity is Σ_l l·w_l / Σ_l w_l over weights w indexed from layer 0. Tenney et al. apply it to the
// softmax-normalised scalar-mix weights (their "center of gravity", E_s[l]); applied to a per-layer score curve
// it is the layer around which the scores' mass lies. The weights must not be negative and must not all be
// zero.
func CentreOfGravity(weights []float64) (float64, error) {
	var num, den float64
	for l, w := range weights {
		if w < 0 {
			return 0, fmt.Errorf("probe: centre of gravity: layer %d has negative weight %v", l, w)
		}
		num += float64(l) * w
		den += w
	}
	if den == 0 {
		return 0, fmt.Errorf("probe: centre of gravity of %d zero weights", len(weights))
	}
	return num / den, nil
}
