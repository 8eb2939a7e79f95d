package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
)

// torchDTypes is the config.json torch_dtype that Hugging Face writes for each dtype the writer knows.
var torchDTypes = map[string]string{"F32": "float32", "F16": "float16", "BF16": "bfloat16"}

// Files encodes a checkpoint as the files of a Hugging Face model directory, by base name:
// config.json (Config.JSON, with torch_dtype set to match dtype), model.safetensors with every weight
// narrowed to dtype ("F32", "F16" or "BF16") and {"format": "pt"} metadata as transformers requires,
// and the checkpoint's other files unchanged. A pruned model's pruned_heads travel in config.json,
// so transformers' from_pretrained rebuilds the smaller layers and loads the weights back.
func Files(ck *Checkpoint, dtype string) (map[string][]byte, error) {
	torchDType, ok := torchDTypes[dtype]
	if !ok {
		return nil, fmt.Errorf("checkpoint: dtype %q cannot be written (only F32, F16 and BF16)", dtype)
	}
	cfg := *ck.Config
	cfg.Raw = make(map[string]json.RawMessage, len(ck.Config.Raw)+1)
	maps.Copy(cfg.Raw, ck.Config.Raw)
	cfg.Raw["torch_dtype"] = json.RawMessage(`"` + torchDType + `"`)
	config, err := cfg.JSON()
	if err != nil {
		return nil, err
	}
	var weights bytes.Buffer
	if err := WriteSafetensors(&weights, ck.Weights, dtype, map[string]string{"format": "pt"}); err != nil {
		return nil, fmt.Errorf("model.safetensors: %w", err)
	}
	out := make(map[string][]byte, len(ck.Files)+2)
	maps.Copy(out, ck.Files)
	out["config.json"] = config
	out["model.safetensors"] = weights.Bytes()
	return out, nil
}

// SaveDir writes Files(ck, dtype) into dir, creating it if needed. Files of the same names already in
// dir are replaced and nothing else there is touched (transformers prefers model.safetensors to a
// pytorch_model.bin beside it). A file name that is not a plain base name is refused, since the names
// may come from a browser upload.
func SaveDir(dir string, ck *Checkpoint, dtype string) error {
	files, err := Files(ck, dtype)
	if err != nil {
		return err
	}
	for name := range files {
		if name == "" || name == "." || name == ".." || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) {
			return fmt.Errorf("checkpoint: file name %q is not a plain file name", name)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	return nil
}
