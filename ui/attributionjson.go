package main

import (
	"encoding/json"
	"fmt"

	"bertology/wasm/protocol"
)

// The results of the Attribution tab as JSON, in the command line's schema (`bertology saliency` and
// `bertology patch --out`): what the page offers for download, and what it reads back to draw.
const (
	kindSaliency = "saliency"
	kindPatch    = "patching"
	kindAblation = "ablation"
)

// kindNames are the kinds as the page names them.
var kindNames = map[string]string{kindSaliency: "a saliency result", kindPatch: "a patching result", kindAblation: "an ablation result"}

// resultKind tells a saliency, patching or ablation result apart by the fields only it has.
func resultKind(data []byte) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return "", fmt.Errorf("not a JSON object: %v", err)
	}
	switch {
	case fields["method"] != nil && fields["scores"] != nil:
		return kindSaliency, nil
	case fields["clean_tokens"] != nil && fields["residual"] != nil:
		return kindPatch, nil
	case fields["ablated"] != nil:
		return kindAblation, nil
	}
	return "", fmt.Errorf("not a result of bertology saliency or bertology patch")
}

// readResult decodes name's data as a result of kind want (or one of the kinds wanted) into res,
// checking that its layers and heads are the loaded model's and its tokens in the model's vocabulary
// (asking the lab through p, from a job's goroutine).
func readResult(p page, name string, data []byte, res any, want ...string) (string, error) {
	m := p.model()
	kind, err := resultKind(data)
	if err != nil {
		return "", fmt.Errorf("%s: %v", name, err)
	}
	ok := false
	for _, w := range want {
		ok = ok || kind == w
	}
	if !ok {
		return "", fmt.Errorf("%s holds %s; this panel draws %s", name, kindNames[kind], kindNames[want[0]])
	}
	if err := json.Unmarshal(data, res); err != nil {
		return "", fmt.Errorf("%s: %v", name, err)
	}
	var shape struct {
		Layers    int      `json:"layers"`
		Heads     int      `json:"heads"`
		Tokens    []string `json:"tokens"`
		Clean     []string `json:"clean_tokens"`
		Corrupted []string `json:"corrupted_tokens"`
	}
	_ = json.Unmarshal(data, &shape) // the object decoded above
	if shape.Layers > 0 && (shape.Layers != m.Layers || shape.Heads != m.Heads) {
		return "", fmt.Errorf("%s comes from a model of %d layers × %d heads; the model loaded has %d × %d", name, shape.Layers, shape.Heads, m.Layers, m.Heads)
	}
	var unknown protocol.UnknownTokens
	req := &protocol.UnknownTokensRequest{Tokens: append(append(shape.Tokens, shape.Clean...), shape.Corrupted...)}
	if err := p.call(protocol.OpUnknownTokens, req, &unknown); err != nil {
		return "", err
	}
	if len(unknown.Tokens) > 0 {
		return "", fmt.Errorf("%s comes from another model: the model loaded has no token %q", name, unknown.Tokens)
	}
	return kind, nil
}

// resultJSON is a result in the command line's schema.
func resultJSON(res any) []byte {
	b, err := json.Marshal(res)
	if err != nil {
		panic(err) // the results are plain numbers and strings
	}
	return b
}
