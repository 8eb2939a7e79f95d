package probe

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Split shuffles the sample indices 0..N-1 with a PCG generator seeded by seed and returns the last
// N − round(heldOut·N) as the training set and the first round(heldOut·N) as the held-out set. Both sets get
// at least one sample. The same N, heldOut and seed always give the same split.
func Split(N int, heldOut float64, seed uint64) (train, test []int, err error) {
	if N < 2 {
		return nil, nil, fmt.Errorf("probe: cannot split %d samples into training and held-out sets", N)
	}
	if !(heldOut > 0 && heldOut < 1) {
		return nil, nil, fmt.Errorf("probe: held-out fraction %v outside (0, 1)", heldOut)
	}
	nTest := min(max(int(math.Round(heldOut*float64(N))), 1), N-1)
	perm := rand.New(rand.NewPCG(seed, 0)).Perm(N)
	return perm[nTest:], perm[:nTest], nil
}
