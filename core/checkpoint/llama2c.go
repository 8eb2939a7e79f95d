package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"path"
	"slices"
	"strings"

	"bertology/core/tensor"
	"bertology/core/tokenizer"
)

// llama2.c's checkpoint (karpathy/llama2.c, the legacy format run.c reads, export.py's legacy_export)
// is seven little-endian int32s, dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative
// when the classifier is not the token embedding) and seq_len, then float32 weights in run.c's order:
// the token embedding, then each kind of weight for all layers at once (rms_att, wq, wk, wv, wo,
// rms_ffn, w1, w2, w3), the final RMSNorm, two RoPE tables of seq_len × head_size/2 that run.c skips,
// and the classifier when it is not shared. Matrices are [out, in] as torch's Linear stores them.
//
// It is read as the Hugging Face LlamaForCausalLM that export.py's hf_export writes: the same config
// and the weights under Hugging Face's names, q and k permuted from llama2.c's RoPE, which rotates
// adjacent pairs of dimensions, to Hugging Face's, which rotates the two halves of each head.

// llama2cHeaderBytes is the size of the legacy header.
const llama2cHeaderBytes = 7 * 4

// llama2cHeader is a llama2.c checkpoint's header.
type llama2cHeader struct {
	dim, hidden, layers, heads, kvHeads, vocab, seqLen int
	shared                                             bool // the classifier is the token embedding
}

func (h llama2cHeader) headSize() int { return h.dim / h.heads }

// llama2cTensor is one weight of the file: its Hugging Face name and shape, where its floats start, and
// for q and k the head count of the RoPE permutation (0 for none).
type llama2cTensor struct {
	name     string
	shape    []int
	at       int64 // in floats from the end of the header
	permuted int
}

// tensors lists the file's weights in its order, and returns besides the number of floats the file
// holds after its header.
func (h llama2cHeader) tensors() ([]llama2cTensor, int64) {
	var out []llama2cTensor
	var at int64
	add := func(name string, shape ...int) {
		out = append(out, llama2cTensor{name: name, shape: shape, at: at})
		at += int64(tensor.NumElements(shape))
	}
	perLayer := func(name string, permuted int, shape ...int) {
		for l := range h.layers {
			add(fmt.Sprintf("model.layers.%d.%s.weight", l, name), shape...)
			out[len(out)-1].permuted = permuted
		}
	}
	kv := h.kvHeads * h.headSize()
	add("model.embed_tokens.weight", h.vocab, h.dim)
	perLayer("input_layernorm", 0, h.dim)
	perLayer("self_attn.q_proj", h.heads, h.dim, h.dim)
	perLayer("self_attn.k_proj", h.kvHeads, kv, h.dim)
	perLayer("self_attn.v_proj", 0, kv, h.dim)
	perLayer("self_attn.o_proj", 0, h.dim, h.dim)
	perLayer("post_attention_layernorm", 0, h.dim)
	perLayer("mlp.gate_proj", 0, h.hidden, h.dim) // w1
	perLayer("mlp.down_proj", 0, h.dim, h.hidden) // w2
	perLayer("mlp.up_proj", 0, h.hidden, h.dim)   // w3
	add("model.norm.weight", h.dim)
	at += int64(h.seqLen) * int64(h.headSize()) // freq_cis_real and freq_cis_imag, half a head each
	if !h.shared {
		add("lm_head.weight", h.vocab, h.dim)
	}
	return out, at
}

// readLlama2cHeader reads and checks the header of data, a llama2.c checkpoint: sizes positive and within
// the bounds config.json's are held to, the heads dividing the width into heads of even size (RoPE
// rotates pairs), the query heads into groups of key/value heads, and the weights they imply filling the
// rest of the file exactly.
func readLlama2cHeader(data []byte) (llama2cHeader, error) {
	var h llama2cHeader
	if len(data) < llama2cHeaderBytes {
		return h, fmt.Errorf("llama2.c checkpoint: %d bytes, shorter than its %d-byte header", len(data), llama2cHeaderBytes)
	}
	switch {
	case strings.HasPrefix(string(data), "PK"), data[0] == 0x80:
		return h, fmt.Errorf("not a llama2.c checkpoint: it starts as torch's zip or pickle does (a pytorch_model.bin)")
	case binary.LittleEndian.Uint32(data) == 0x616b3432: // "ak42", export.py's version 1 and 2
		return h, fmt.Errorf("llama2.c checkpoint: export version %d is not supported, only the legacy format run.c reads (export.py --version 0)",
			int32(binary.LittleEndian.Uint32(data[4:])))
	}
	field := func(i int) int { return int(int32(binary.LittleEndian.Uint32(data[4*i:]))) }
	h = llama2cHeader{dim: field(0), hidden: field(1), layers: field(2), heads: field(3), kvHeads: field(4), vocab: field(5), seqLen: field(6)}
	h.shared = h.vocab > 0
	if h.vocab < 0 && h.vocab != math.MinInt32 {
		h.vocab = -h.vocab
	}
	for _, s := range []struct {
		name    string
		v, most int
	}{
		{"dim", h.dim, maxHiddenSize}, {"hidden_dim", h.hidden, maxIntermediateSize}, {"n_layers", h.layers, maxLayers},
		{"n_heads", h.heads, maxHeads}, {"n_kv_heads", h.kvHeads, maxHeads}, {"vocab_size", h.vocab, maxVocabSize},
		{"seq_len", h.seqLen, maxPositions},
	} {
		if s.v < 1 || s.v > s.most {
			return h, fmt.Errorf("llama2.c checkpoint: the header's %s is %d, want 1 to %d", s.name, s.v, s.most)
		}
	}
	switch {
	case h.dim%h.heads != 0 || h.headSize()%2 != 0:
		return h, fmt.Errorf("llama2.c checkpoint: dim %d is not n_heads %d heads of an even size", h.dim, h.heads)
	case h.heads%h.kvHeads != 0:
		return h, fmt.Errorf("llama2.c checkpoint: n_heads %d is not a multiple of n_kv_heads %d", h.heads, h.kvHeads)
	}
	// The bounds keep every product below 2^50: no overflow.
	_, floats := h.tensors()
	if want := llama2cHeaderBytes + 4*floats; int64(len(data)) != want {
		return h, fmt.Errorf("llama2.c checkpoint: the header (dim %d, hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d, "+
			"vocab_size %d, seq_len %d, classifier %s) makes it %d bytes, the file has %d",
			h.dim, h.hidden, h.layers, h.heads, h.kvHeads, h.vocab, h.seqLen, map[bool]string{true: "shared", false: "apart"}[h.shared], want, len(data))
	}
	return h, nil
}

// llama2cConfig is the config.json of h: LlamaConfig as export.py's hf_export makes it and
// save_pretrained writes it (transformers' defaults for what the header does not say), with run.c's
// RMSNorm epsilon.
func (h llama2cHeader) config() []byte {
	cfg := map[string]any{
		"architectures": []string{"LlamaForCausalLM"}, "model_type": "llama",
		"vocab_size": h.vocab, "hidden_size": h.dim, "intermediate_size": h.hidden, "num_hidden_layers": h.layers,
		"num_attention_heads": h.heads, "num_key_value_heads": h.kvHeads, "max_position_embeddings": h.seqLen,
		"rms_norm_eps": 1e-5, "tie_word_embeddings": h.shared, "hidden_act": "silu",
		"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "initializer_range": 0.02, "pretraining_tp": 1,
		"rope_scaling": nil, "use_cache": true, "torch_dtype": "float32",
	}
	b, _ := json.MarshalIndent(cfg, "", "  ") // maps of strings, numbers and bools always encode
	return append(b, '\n')
}

// llama2cWeights is a llama2.c checkpoint whose header has been checked, as a weight file.
type llama2cWeights struct {
	header  llama2cHeader
	tensors []llama2cTensor
	data    []byte // after the header
}

func openLlama2c(data []byte) (*llama2cWeights, error) {
	h, err := readLlama2cHeader(data)
	if err != nil {
		return nil, err
	}
	ts, _ := h.tensors()
	return &llama2cWeights{header: h, tensors: ts, data: data[llama2cHeaderBytes:]}, nil
}

func (f *llama2cWeights) names() []string {
	names := make([]string, len(f.tensors))
	for i, t := range f.tensors {
		names[i] = t.name
	}
	return names
}

func (f *llama2cWeights) bytesNeeded() int64 {
	var n int64
	for _, t := range f.tensors {
		n += 4 * int64(tensor.NumElements(t.shape))
	}
	return n
}

func (f *llama2cWeights) decode(step tensorStep) (map[string]*tensor.Tensor, map[string]string, error) {
	weights := make(map[string]*tensor.Tensor, len(f.tensors))
	dtypes := make(map[string]string, len(f.tensors))
	for i, t := range f.tensors {
		if err := step(i, len(f.tensors)); err != nil {
			return nil, nil, err
		}
		n := tensor.NumElements(t.shape)
		w := decodeFloats("F32", f.data[4*t.at:4*(t.at+int64(n))], n)
		if t.permuted > 0 {
			w = rotateHalf(w, t.permuted, t.shape[0], t.shape[1])
		}
		weights[t.name], dtypes[t.name] = tensor.FromData(w, t.shape...), "F32"
	}
	return weights, dtypes, step(len(f.tensors), len(f.tensors))
}

// rotateHalf reorders the rows of w, a [rows, cols] projection onto heads heads, from llama2.c's RoPE
// layout to Hugging Face's, as export.py's permute_original does
// (w.view(heads, rows/heads/2, 2, cols).transpose(1, 2)): within each head, row 2i goes to row i and
// row 2i+1 to row size/2 + i.
func rotateHalf(w []float32, heads, rows, cols int) []float32 {
	out := make([]float32, len(w))
	size := rows / heads
	for h := range heads {
		for i := range size / 2 {
			for j := range 2 {
				from, to := h*size+2*i+j, h*size+j*size/2+i
				copy(out[to*cols:(to+1)*cols], w[from*cols:(from+1)*cols])
			}
		}
	}
	return out
}

// llama2cCandidate reports whether a file of a model directory could be a llama2.c checkpoint by its
// name: a .bin that is none of transformers' weight files and no llama2.c tokenizer.
func llama2cCandidate(name string) bool {
	return path.Ext(name) == ".bin" && !slices.Contains(WeightFiles, name) && !slices.Contains(tokenizer.Llama2cFiles, name)
}

// llama2cCheckpoint returns the name of the one llama2.c checkpoint among files, "" when there is none.
// Several are an error, and so is a llama2.c tokenizer beside .bin files that are not checkpoints
// (the reason each is not).
func llama2cCheckpoint(files map[string][]byte) (string, error) {
	var found, rejected []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if !llama2cCandidate(name) {
			continue
		}
		if _, err := readLlama2cHeader(files[name]); err != nil {
			rejected = append(rejected, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		found = append(found, name)
	}
	switch {
	case len(found) > 1:
		return "", fmt.Errorf("checkpoint: several llama2.c checkpoints (%s): give one", strings.Join(found, ", "))
	case len(found) == 1:
		return found[0], nil
	case len(rejected) > 0 && hasLlama2cTokenizer(files):
		return "", fmt.Errorf("checkpoint: no config.json, and no llama2.c checkpoint beside llama2.c's tokenizer: %s", strings.Join(rejected, "; "))
	}
	return "", nil
}

func hasLlama2cTokenizer(files map[string][]byte) bool {
	for _, name := range tokenizer.Llama2cFiles {
		if files[name] != nil {
			return true
		}
	}
	return false
}
