package analysis

import (
	"fmt"

	"bertology/core/checkpoint"
	"bertology/core/model"
	"bertology/core/probe"
)

// pools are the pools by the names the lab's requests and the command's flags give them.
var pools = map[string]probe.Pool{"first": probe.First, "last": probe.Last, "mean": probe.Mean}

// PoolFor reads a pool's name ("first", "last" or "mean") and returns the pool with its name. An empty
// name chooses the pool that fits m: the first token ([CLS]) for BERT and DistilBERT, the last for
// GPT-2, OpenAI GPT and Llama, whose tokens see the whole sequence only at its end.
func PoolFor(name string, m *model.Model) (probe.Pool, string, error) {
	if name == "" {
		name = "first"
		if t := m.Config().ModelType; t == checkpoint.GPT2 || t == checkpoint.OpenAIGPT || t == checkpoint.Llama {
			name = "last"
		}
	}
	pool, ok := pools[name]
	if !ok {
		return 0, "", fmt.Errorf("pool %q: want first, last or mean", name)
	}
	return pool, name, nil
}
