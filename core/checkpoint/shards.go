package checkpoint

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"bertology/core/tensor"
)

// A sharded checkpoint (save_pretrained's max_shard_size; the Hub's bigger models) keeps its weights in
// several files beside an index, model.safetensors.index.json or pytorch_model.bin.index.json:
//
//	{"metadata": {"total_size": 503848960}, "weight_map": {"bert.pooler.dense.bias": "model-00002-of-00002.safetensors", ...}}
//
// Each shard is a weight file of the index's format; together they are one state dict.

// shardIndexes maps each index to the format of its shards, as the file name of one unsharded file.
var shardIndexes = map[string]string{
	"model.safetensors.index.json": "model.safetensors",
	"pytorch_model.bin.index.json": "pytorch_model.bin",
}

// ShardFiles returns the shard files an index lists in its weight_map, sorted, each once.
func ShardFiles(index []byte) ([]string, error) {
	weightMap, err := readWeightMap(index)
	if err != nil {
		return nil, err
	}
	return slices.Compact(slices.Sorted(maps.Values(weightMap))), nil
}

// readWeightMap parses an index's weight_map: tensor name to shard file. A shard must be the name of a
// weight file beside the index (isFileName): shards become paths, in a directory and in the Hub cache.
func readWeightMap(index []byte) (map[string]string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(index, &top); err != nil {
		return nil, fmt.Errorf("not an index of shards: %w", err)
	}
	raw, ok := top["weight_map"]
	if !ok {
		return nil, fmt.Errorf("no weight_map, or an empty one")
	}
	names, entries, err := jsonObject(raw) // refuses a tensor listed twice
	if err != nil {
		return nil, fmt.Errorf("not an index of shards: weight_map: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no weight_map, or an empty one")
	}
	weightMap := make(map[string]string, len(names))
	slices.Sort(names) // deterministic errors
	for _, name := range names {
		var shard string
		if err := json.Unmarshal(entries[name], &shard); err != nil {
			return nil, fmt.Errorf("not an index of shards: weight %q: the shard is not a string", name)
		}
		if !isFileName(shard) || strings.HasSuffix(shard, ".index.json") {
			return nil, fmt.Errorf("the shard %q of weight %q is not the name of a weight file beside the index", shard, name)
		}
		weightMap[name] = shard
	}
	return weightMap, nil
}

// isFileName reports whether s can name a file in a directory of its own: not empty, not hidden (no
// leading '.'), without a path separator or control characters, at most 255 bytes.
func isFileName(s string) bool {
	return s != "" && len(s) <= 255 && s[0] != '.' && !strings.ContainsFunc(s, func(r rune) bool {
		return r == '/' || r == '\\' || r < 0x20 || r == 0x7f
	})
}

// readShardIndex parses an index named index and returns its weight_map and its shards, sorted.
func readShardIndex(index string, data []byte) (weightMap map[string]string, shards []string, err error) {
	weightMap, err = readWeightMap(data)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: %s: %w", index, err)
	}
	return weightMap, slices.Compact(slices.Sorted(maps.Values(weightMap))), nil
}

// readShards reads the weights of a sharded checkpoint from its index and the shard files, which files
// must hold, and returns them with the shards' names. It checks the shards against the index (each tensor the index names is in its shard, no
// tensor is in two shards) and what they need together against MaxWeightBytes before decoding any.
// Tensors a shard holds and the index leaves out are read too, as transformers loads whole shards.
func readShards(index string, files map[string][]byte, step tensorStep) (weights map[string]*tensor.Tensor, dtypes map[string]string, shards []string, err error) {
	weightMap, shards, err := readShardIndex(index, files[index])
	if err != nil {
		return nil, nil, nil, err
	}
	opened := make([]weightFile, len(shards))
	holder := map[string]string{} // tensor -> the shard holding it
	var need int64
	for i, shard := range shards {
		data, ok := files[shard]
		if !ok {
			return nil, nil, nil, fmt.Errorf("checkpoint: %s: shard %q is missing (it holds %s)", index, shard, someTensors(weightMap, shard))
		}
		f, err := openWeightFile(shardIndexes[index], data)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("checkpoint: %s: shard %q: %w", index, shard, err)
		}
		for _, name := range f.names() {
			if other, dup := holder[name]; dup {
				return nil, nil, nil, fmt.Errorf("checkpoint: %s: tensor %q is in two shards, %q and %q", index, name, min(other, shard), max(other, shard))
			}
			holder[name] = shard
		}
		opened[i] = f
		need += f.bytesNeeded()
	}
	for _, name := range slices.Sorted(maps.Keys(weightMap)) {
		if shard := weightMap[name]; holder[name] != shard {
			return nil, nil, nil, fmt.Errorf("checkpoint: %s: tensor %q is listed in shard %q, which does not hold it", index, name, shard)
		}
	}
	if err := checkWeightBytes(need); err != nil {
		return nil, nil, nil, fmt.Errorf("checkpoint: %s: %w", index, err)
	}
	weights = make(map[string]*tensor.Tensor, len(holder))
	dtypes = make(map[string]string, len(holder))
	for i, f := range opened {
		w, d, err := f.decode(step)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("checkpoint: %s: shard %q: %w", index, shards[i], err)
		}
		maps.Copy(weights, w)
		maps.Copy(dtypes, d)
	}
	return weights, dtypes, shards, nil
}

// someTensors names up to three of the tensors the index puts in shard, for errors.
func someTensors(weightMap map[string]string, shard string) string {
	var names []string
	for name, s := range weightMap {
		if s == shard {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) > 3 {
		return fmt.Sprintf("%q and %d more", names[:3], len(names)-3)
	}
	return fmt.Sprintf("%q", names)
}
