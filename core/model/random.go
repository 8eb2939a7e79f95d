package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"bertology/core/checkpoint"
)

// RandomCheckpoint returns a checkpoint for cfg filled with random weights, for tests and benchmarks
// that need a model of a given shape. Weights and embeddings are N(0, σ²) with σ the config's
// initializer_range (0.02 when absent), as Hugging Face initialises them; biases and LayerNorm shifts are
// N(0, σ²) too and LayerNorm gains 1 + N(0, σ²), so that none of them is trivially zero or one. The head
// follows cfg.Architectures[0], NoHead when it is absent; a class bertology does not run is an error, as
// in New. The same seed gives the same weights.
func RandomCheckpoint(cfg *checkpoint.Config, seed uint64) (*checkpoint.Checkpoint, error) {
	m, err := randomModel(cfg, seed)
	if err != nil {
		return nil, err
	}
	return &checkpoint.Checkpoint{Config: cfg, Weights: m.Weights(), Files: map[string][]byte{}}, nil
}

// randomModel builds the model RandomCheckpoint describes without the detour through a checkpoint.
func randomModel(cfg *checkpoint.Config, seed uint64) (*Model, error) {
	head, err := architectureHead(cfg)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	plan, err := build(cfg, head, false, true)
	if err != nil {
		return nil, err
	}
	if err := plan.weightMemory().Fits("the model"); err != nil {
		return nil, err
	}
	m, err := build(cfg, head, false, false)
	if err != nil {
		return nil, err
	}
	std := 0.02
	if raw, ok := cfg.Raw["initializer_range"]; ok {
		if err := json.Unmarshal(raw, &std); err != nil {
			return nil, err
		}
	}
	m.walk(&randomizer{r: rand.New(rand.NewPCG(seed, 0x6265727430)), std: std})
	m.packWeights()
	return m, nil
}

// randomizer is the paramVisitor that fills parameters with random numbers.
type randomizer struct {
	r   *rand.Rand
	std float64
}

func (z *randomizer) param(p []float32, _ string, init initKind, _ ...int) {
	for i := range p {
		p[i] = float32(z.std * z.r.NormFloat64())
		if init == initGain {
			p[i]++
		}
	}
}

func (z *randomizer) linearWeight(w []float32, ldw int, _ string, in, out int) {
	for i := 0; i < in; i++ {
		z.param(w[i*ldw:i*ldw+out], "", initWeight)
	}
}
