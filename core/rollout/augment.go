package rollout

import "fmt"

// HeadReduce says how a layer's heads are combined into one attention matrix.
type HeadReduce int

const (
	// MeanHeads averages the heads, as Abnar & Zuidema do.
	MeanHeads HeadReduce = iota
	// MaxHeads takes the element-wise maximum over the heads.
	MaxHeads
)

// headReduceNames are the reductions' names, as the command line's flag and the lab's request give them.
var headReduceNames = [...]string{MeanHeads: "mean", MaxHeads: "max"}

func (r HeadReduce) String() string {
	if r < 0 || int(r) >= len(headReduceNames) {
		return fmt.Sprintf("HeadReduce(%d)", int(r))
	}
	return headReduceNames[r]
}

// ParseHeadReduce returns the reduction named name, mean or max; empty is mean, the paper's.
func ParseHeadReduce(name string) (HeadReduce, error) {
	if name == "" {
		return MeanHeads, nil
	}
	for r, n := range headReduceNames {
		if n == name {
			return HeadReduce(r), nil
		}
	}
	return 0, fmt.Errorf("reduce %q: want mean or max", name)
}

// Options selects how each layer's attention is turned into the matrix A'_l that rollout and flow use.
type Options struct {
	// Reduce combines the heads.
	Reduce HeadReduce
	// Heads, when non-nil, restricts the combination to these heads, by their original numbers (the same in
	// every layer; a pruned model's layer combines those of them it kept).
	Heads []int
	// Residual is the weight w of the identity in A'_l = rownorm((1-w)·A_l + w·I), in [0, 1]. The paper's
	// 0.5 gives 0.5·A + 0.5·I, which equals (A+I) row-normalised whenever the rows of A sum to one. Zero
	// uses the attention alone.
	Residual float64
}

// DefaultOptions are the paper's: mean over all heads, residual weight 0.5.
func DefaultOptions() Options {
	return Options{Reduce: MeanHeads, Residual: 0.5}
}

// Augment returns the residual-augmented matrix A'_l of every layer, each [T, T] row-major with rows that
// sum to one.
//
// A layer combines the heads it has: the mean (or maximum) over the heads a pruned model kept in it, so
// that layers with different numbers of heads each give a row-stochastic matrix. A layer with no head to
// combine (every head pruned, or none of opt.Heads kept) moves nothing between tokens: its attention
// sublayer adds the same bias to every position, and only the residual carries each token on. Its
// combined attention is then the identity, and so is A'_l: rollout passes through it unchanged, and flow
// through it goes from each token to itself alone.
func Augment(a *Attention, opt Options) ([][]float64, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if opt.Reduce != MeanHeads && opt.Reduce != MaxHeads {
		return nil, fmt.Errorf("rollout: unknown head reduction %d", opt.Reduce)
	}
	if !(opt.Residual >= 0 && opt.Residual <= 1) {
		return nil, fmt.Errorf("rollout: residual weight %v outside [0, 1]", opt.Residual)
	}
	if opt.Heads != nil && len(opt.Heads) == 0 {
		return nil, fmt.Errorf("rollout: empty head subset")
	}
	wanted := make(map[int]bool, len(opt.Heads))
	for _, h := range opt.Heads {
		if h < 0 || h >= a.Heads {
			return nil, fmt.Errorf("rollout: head %d outside 0..%d", h, a.Heads-1)
		}
		if wanted[h] {
			return nil, fmt.Errorf("rollout: head %d listed twice", h)
		}
		wanted[h] = true
	}
	T := a.T
	out := make([][]float64, len(a.Layers))
	for l, w := range a.Layers {
		var heads []int // positions in Layers[l] of the heads combined
		for k, h := range a.HeadsOf(l) {
			if opt.Heads == nil || wanted[h] {
				heads = append(heads, k)
			}
		}
		m := make([]float64, T*T)
		if len(heads) == 0 {
			for i := range T {
				m[i*T+i] = 1
			}
			out[l] = m
			continue
		}
		for k := range m {
			var v float64
			for _, h := range heads {
				x := float64(w[h*T*T+k])
				if opt.Reduce == MaxHeads {
					v = max(v, x)
				} else {
					v += x
				}
			}
			if opt.Reduce == MeanHeads {
				v /= float64(len(heads))
			}
			m[k] = (1 - opt.Residual) * v
		}
		for i := 0; i < T; i++ {
			row := m[i*T : (i+1)*T]
			row[i] += opt.Residual
			var sum float64
			for _, v := range row {
				sum += v
			}
			if sum == 0 {
				return nil, fmt.Errorf("rollout: layer %d row %d has no attention and no residual to normalise", l, i)
			}
			for j := range row {
				row[j] /= sum
			}
		}
		out[l] = m
	}
	return out, nil
}
