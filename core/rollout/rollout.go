package rollout

// Rollout returns the attention rollout after every layer: out[l] = A'_l · … · A'_0, each [T, T] row-major,
// where A'_l are the residual-augmented matrices of Augment. out[l][i*T+j] is how much of output position i
// after layer l is attributed to input token j; the last entry is the rollout of the whole model. Rows sum to
// one.
func Rollout(a *Attention, opt Options) ([][]float64, error) {
	aug, err := Augment(a, opt)
	if err != nil {
		return nil, err
	}
	T := a.T
	out := make([][]float64, len(aug))
	out[0] = aug[0]
	for l := 1; l < len(aug); l++ {
		out[l] = matmul(aug[l], out[l-1], T)
	}
	return out, nil
}

// matmul returns the product x·y of two [T, T] row-major matrices.
func matmul(x, y []float64, T int) []float64 {
	z := make([]float64, T*T)
	for i := 0; i < T; i++ {
		zi := z[i*T : (i+1)*T]
		for k := 0; k < T; k++ {
			xik := x[i*T+k]
			if xik == 0 {
				continue
			}
			yk := y[k*T : (k+1)*T]
			for j := range zi {
				zi[j] += xik * yk[j]
			}
		}
	}
	return z
}
