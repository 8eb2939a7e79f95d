package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"

	"bertology/core/checkpoint"
	"bertology/core/model"
	"bertology/core/tensor"
)

func init() {
	register(&command{name: "forward", summary: "run a model on token ids and write its logits, loss, hidden states and attentions as JSON", run: runForward})
}

func runForward(args []string) error {
	fs := newFlagSet("forward", "run a model on token ids and write its logits, loss, hidden states and attentions as JSON")
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory in Hugging Face's layout (config.json, model.safetensors), or a Hub model id (org/name)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	inputs := fs.String("inputs", "", `JSON object of tensors {"shape", "dtype", "data"}: input_ids [B,T] and optionally attention_mask, token_type_ids, labels, a question answerer's start_positions and end_positions, the pre-training head's next_sentence_label (as the goldens' "inputs" section; a whole golden file is read from its "inputs")`)
	outPath := fs.String("out", "", `output JSON: loss, logits, hidden_states, attentions (as the goldens' "forward" section), and start_logits and end_logits or seq_relationship_logits for those heads`)
	headMask := fs.String("head-mask", "", "optional JSON head mask [layers, heads], a tensor or nested lists; 0 masks a head")
	if err := parseFlags(fs, args, "model", "inputs", "out"); err != nil {
		return err
	}
	_, m, err := loadModel(src, os.Stderr)
	if err != nil {
		return err
	}
	batch, err := readBatch(*inputs, m)
	if err != nil {
		return err
	}
	opt := model.Options{HiddenStates: true, Attentions: true}
	if *headMask != "" {
		if opt.HeadMask, err = readHeadMask(*headMask, m.Config()); err != nil {
			return err
		}
	}
	out, err := m.Forward(batch, opt)
	if err != nil {
		return err
	}
	b, err := json.Marshal(forwardJSON(out))
	if err != nil {
		return err
	}
	return os.WriteFile(*outPath, append(b, '\n'), 0o644)
}

// jsonTensor is a tensor as the goldens encode it: {"shape": [...], "dtype": "...", "data": [flat]}.
type jsonTensor struct {
	Shape []int     `json:"shape"`
	DType string    `json:"dtype"`
	Data  []float64 `json:"data"`
}

// ints returns the data as whole numbers, failing on any fraction.
func (t *jsonTensor) ints(name string) ([]int, error) {
	out := make([]int, len(t.Data))
	for i, v := range t.Data {
		if v != math.Trunc(v) {
			return nil, fmt.Errorf("%s[%d] is %v, not a whole number", name, i, v)
		}
		out[i] = int(v)
	}
	return out, nil
}

// readBatch reads the input tensors of a batch.
func readBatch(path string, m *model.Model) (*model.Batch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var in map[string]json.RawMessage
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if section, ok := in["inputs"]; ok {
		in = nil
		if err := json.Unmarshal(section, &in); err != nil {
			return nil, fmt.Errorf("%s: inputs: %w", path, err)
		}
	}
	tensors := map[string]*jsonTensor{}
	for name, raw := range in {
		var t jsonTensor
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, name, err)
		}
		if len(t.Data) != tensor.NumElements(t.Shape) {
			return nil, fmt.Errorf("%s: %s has %d values for shape %v", path, name, len(t.Data), t.Shape)
		}
		tensors[name] = &t
	}
	ids := tensors["input_ids"]
	if ids == nil || len(ids.Shape) != 2 {
		return nil, fmt.Errorf("%s: need input_ids of shape [batch, tokens]", path)
	}
	b := &model.Batch{Size: ids.Shape[0], SeqLen: ids.Shape[1]}
	for name, dst := range map[string]*[]int{"input_ids": &b.InputIDs, "attention_mask": &b.AttentionMask, "token_type_ids": &b.TokenTypeIDs,
		"start_positions": &b.StartPositions, "end_positions": &b.EndPositions, "next_sentence_label": &b.NextSentenceLabels} {
		if t := tensors[name]; t != nil {
			if *dst, err = t.ints(name); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	if labels := tensors["labels"]; labels != nil {
		if labels.DType == "float32" || labels.DType == "float64" {
			b.Targets = make([]float32, len(labels.Data))
			for i, v := range labels.Data {
				b.Targets[i] = float32(v)
			}
		} else if b.Labels, err = labels.ints("labels"); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return b, nil
}

// readHeadMask reads a [layers, heads] head mask given as a tensor or as nested lists.
func readHeadMask(path string, cfg *checkpoint.Config) ([]float32, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t jsonTensor
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		var rows [][]float64
		if err := json.Unmarshal(data, &rows); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		t.Shape = []int{len(rows), 0}
		for i, r := range rows {
			if i == 0 {
				t.Shape[1] = len(r)
			}
			if len(r) != t.Shape[1] {
				return nil, fmt.Errorf("%s: row %d has %d heads, row 0 has %d", path, i, len(r), t.Shape[1])
			}
			t.Data = append(t.Data, r...)
		}
	} else if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(t.Shape) != 2 || t.Shape[0] != cfg.NumLayers || t.Shape[1] != cfg.NumHeads || len(t.Data) != cfg.NumLayers*cfg.NumHeads {
		return nil, fmt.Errorf("%s: head mask of shape %v with %d values, the model needs [%d %d]", path, t.Shape, len(t.Data), cfg.NumLayers, cfg.NumHeads)
	}
	mask := make([]float32, len(t.Data))
	for i, v := range t.Data {
		mask[i] = float32(v)
	}
	return mask, nil
}

// float32Value marshals as the shortest decimal that reads back as the same float32, or as null for NaN
// and the infinities, which JSON cannot hold.
type float32Value float32

func (f float32Value) MarshalJSON() ([]byte, error) {
	if v := float64(f); math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float32(f))
}

// forwardOut is the forward command's JSON, a batch's outputs as the goldens' "forward" section holds
// them (the tensors keep their batch dimension). It is not the lab's ForwardResult, which describes one
// input with its tokens and the head's classes or top tokens.
type forwardOut struct {
	Loss   *float32Value  `json:"loss,omitempty"`
	Logits *tensor.Tensor `json:"logits,omitempty"`
	// A question answerer's and the pre-training head's other logits, under Hugging Face's names.
	StartLogits        *tensor.Tensor   `json:"start_logits,omitempty"`
	EndLogits          *tensor.Tensor   `json:"end_logits,omitempty"`
	NextSentenceLogits *tensor.Tensor   `json:"seq_relationship_logits,omitempty"`
	HiddenStates       []*tensor.Tensor `json:"hidden_states"`
	Attentions         []*tensor.Tensor `json:"attentions"`
}

func forwardJSON(out *model.Output) *forwardOut {
	f := &forwardOut{}
	if out.HasLoss {
		loss := float32Value(out.Loss)
		f.Loss = &loss
	}
	f.Logits, f.HiddenStates, f.Attentions = out.Logits, out.HiddenStates, out.Attentions
	f.StartLogits, f.EndLogits, f.NextSentenceLogits = out.StartLogits, out.EndLogits, out.NextSentenceLogits
	return f
}
