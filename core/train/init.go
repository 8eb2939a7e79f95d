package train

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"bertology/core/checkpoint"
	"bertology/core/model"
)

// NewModel builds a model for cfg, its head following cfg.Architectures[0], initialised as Hugging
// Face initialises a model it builds from a config (see Init).
func NewModel(cfg *checkpoint.Config, seed uint64) (*model.Model, error) {
	if cfg.SinusoidalPositions {
		return nil, fmt.Errorf("train: DistilBERT with sinusoidal_pos_embds has a fixed position table, which bertology does not train")
	}
	ck, err := model.RandomCheckpoint(cfg, seed)
	if err != nil {
		return nil, err
	}
	m, err := model.New(ck)
	if err != nil {
		return nil, err
	}
	if err := Init(m, seed); err != nil {
		return nil, err
	}
	return m, nil
}

// Init sets every parameter as the model's _init_weights in transformers does: weights and embeddings
// N(0, σ²) with σ the config's initializer_range (0.02 when absent), biases 0, LayerNorm gains 1 and
// shifts 0; BERT's and DistilBERT's word embedding of the padding token 0; and GPT-2's output
// projections (attn.c_proj, mlp.c_proj) N(0, σ²/(2·layers)), its scaling of residual branches. The
// same seed gives the same weights.
func Init(m *model.Model, seed uint64) error {
	cfg := m.Config()
	std := 0.02
	if raw, ok := cfg.Raw["initializer_range"]; ok {
		if err := json.Unmarshal(raw, &std); err != nil {
			return fmt.Errorf("train: config initializer_range: %w", err)
		}
	}
	r := rand.New(rand.NewPCG(seed, 0x696e6974)) // "init"
	m.Update(func(p model.Param, w []float32) {
		switch p.Kind {
		case model.BiasParam:
			clear(w)
		case model.GainParam:
			for i := range w {
				w[i] = 1
			}
		case model.WeightParam:
			s := std
			if cfg.ModelType == checkpoint.GPT2 && strings.HasSuffix(p.Name, "c_proj.weight") {
				s = std / math.Sqrt(2*float64(cfg.NumLayers))
			}
			for i := range w {
				w[i] = float32(s * r.NormFloat64())
			}
			if strings.HasSuffix(p.Name, "embeddings.word_embeddings.weight") && paddingEmbedding(cfg) {
				d := p.Shape[1]
				if pad := cfg.PadTokenID; pad >= 0 && pad < p.Shape[0] {
					clear(w[pad*d : (pad+1)*d])
				}
			}
		}
	})
	return nil
}

// paddingEmbedding reports whether the model's word embedding has a padding_idx, whose row
// transformers zeroes: BERT's and DistilBERT's do.
func paddingEmbedding(cfg *checkpoint.Config) bool {
	return cfg.ModelType == checkpoint.BERT || cfg.ModelType == checkpoint.DistilBERT
}
