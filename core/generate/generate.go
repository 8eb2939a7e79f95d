// Package generate continues a text with a causal language model (GPT-2, OpenAI GPT, Llama): greedy
// decoding, or sampling with a temperature and top-p as llama2.c's run.c samples, one token at a time
// from Model.NextTokenLogits.
//
// There is no key/value cache: each step runs the model over the whole sequence so far, so n new
// tokens after a prompt of p cost n forwards of lengths p..p+n-1 (about n·(p+n/2) token positions, and
// attention quadratic in each length) instead of p+n. For the small models bertology runs this is
// fast enough (stories260K: 256 tokens in a few seconds) and the logits are exactly Forward's.
package generate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"bertology/core/model"
	"bertology/core/progress"
	"bertology/core/tokenizer"
)

// Options says how to generate.
type Options struct {
	// MaxNewTokens bounds the tokens generated; generation also stops at the model's last position.
	MaxNewTokens int
	// Temperature 0 is greedy decoding (the most likely token each step); otherwise tokens are sampled
	// from the softmax of logits/Temperature.
	Temperature float32
	// TopP in (0, 1) samples from the nucleus of that probability (run.c's -p); 0 or 1 samples from
	// the whole distribution. Unused when greedy.
	TopP float32
	// Seed seeds run.c's generator (its -s); 0 is taken as 1 (run.c would use the time of day).
	// Unused when greedy.
	Seed uint64
}

// Stop says why generation ended.
type Stop string

const (
	StopMaxNewTokens Stop = "max_new_tokens" // MaxNewTokens tokens generated
	StopPositions    Stop = "positions"      // the sequence fills the model's positions
	StopEOS          Stop = "eos"            // the next token was the end-of-sequence token
	StopBOS          Stop = "bos"            // the next token was the beginning-of-sequence token (run.c's stop)
)

// Result is a generation: the prompt's ids (as the tokenizer encodes the prompt, a BOS first where it
// adds one), the generated ids (without the stop token), their vocabulary tokens, the probability each
// had when chosen (under the distribution it was drawn from), the text of prompt and continuation
// decoded as the tokenizer decodes with special tokens skipped, and why it stopped (StopID: the token
// that stopped it, -1 when none did).
type Result struct {
	PromptIDs []int     `js:"promptIds" json:"prompt_ids"`
	IDs       []int     `js:"generatedIds" json:"generated_ids"`
	Tokens    []string  `js:"tokens" json:"tokens"`
	Probs     []float32 `js:"probs" json:"probs"`
	Text      string    `js:"text" json:"text"`
	// PromptText is the prompt decoded as Text is.
	PromptText string `js:"promptText" json:"prompt_text"`
	// Prefixes[i] is the text of the prompt and the generated tokens up to IDs[i], decoded as Text is:
	// where each token's text starts and ends in Text (a byte token can make one prefix no prefix of
	// the next).
	Prefixes []string `js:"prefixes" json:"prefixes"`
	Stop     Stop     `js:"stop" json:"stop"`
	StopID   int      `js:"stopId" json:"stop_id"`
}

// Encode returns the prompt's ids as tok encodes text; an empty encoding (GPT-2's tokenizer adds no
// BOS) becomes the BOS token alone, else the EOS token, what GPT-2 generates from without a prompt.
func Encode(tok tokenizer.Tokenizer, text string) ([]int, error) {
	enc, err := tok.Encode(text, "", false, tokenizer.Options{})
	if err != nil {
		return nil, fmt.Errorf("prompt: %w", err)
	}
	if len(enc.IDs) > 0 {
		return enc.IDs, nil
	}
	sp := tok.Special()
	for _, id := range []int{sp.BOS, sp.EOS} {
		if id >= 0 {
			return []int{id}, nil
		}
	}
	return nil, fmt.Errorf("prompt: the text is empty and the tokenizer has no BOS or EOS token to start from")
}

// Generate continues prompt (ids, at least one) with m, reporting each step to report and stopping
// with ctx's error when ctx is cancelled. Tokens are decoded by tok, and its BOS and EOS tokens stop
// generation (run.c stops at BOS; Hugging Face at EOS).
func Generate(ctx context.Context, m *model.Model, tok tokenizer.Tokenizer, prompt []int, opt Options, report progress.Func) (*Result, error) {
	if m.Head() != model.CausalLM {
		return nil, fmt.Errorf("generating text needs a causal language model (GPT-2, OpenAI GPT, Llama); this model has a %s head", m.Head())
	}
	if len(prompt) == 0 {
		return nil, fmt.Errorf("the prompt has no tokens")
	}
	if opt.MaxNewTokens < 0 {
		return nil, fmt.Errorf("max new tokens %d is negative", opt.MaxNewTokens)
	}
	if opt.Temperature < 0 {
		return nil, fmt.Errorf("temperature %v is negative", opt.Temperature)
	}
	if opt.TopP < 0 || opt.TopP > 1 {
		return nil, fmt.Errorf("top-p %v is outside [0, 1]", opt.TopP)
	}
	maxPos := m.Config().MaxPositions
	if len(prompt) > maxPos {
		return nil, fmt.Errorf("the prompt has %d tokens, the model %d positions", len(prompt), maxPos)
	}
	seed := opt.Seed
	if seed == 0 {
		seed = 1
	}
	s := NewSampler(opt.Temperature, opt.TopP, seed)
	sp := tok.Special()
	res := &Result{PromptIDs: slices.Clone(prompt), Stop: StopMaxNewTokens, StopID: -1}
	seq := slices.Clone(prompt)
	for step := 0; step < opt.MaxNewTokens; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(seq) >= maxPos {
			res.Stop = StopPositions
			break
		}
		logits, err := m.NextTokenLogits(seq)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", step+1, err)
		}
		id, p := s.Sample(logits)
		report.Send(progress.Report{Phase: "generate", Done: step + 1, Total: opt.MaxNewTokens})
		if id == sp.EOS || id == sp.BOS {
			res.Stop, res.StopID = StopEOS, id
			if id == sp.BOS {
				res.Stop = StopBOS
			}
			break
		}
		seq = append(seq, id)
		res.IDs = append(res.IDs, id)
		res.Tokens = append(res.Tokens, tok.Token(id))
		res.Probs = append(res.Probs, p)
	}
	res.Text, res.PromptText = Decode(tok, seq), Decode(tok, prompt)
	for i := range res.IDs {
		res.Prefixes = append(res.Prefixes, Decode(tok, seq[:len(prompt)+i+1]))
	}
	return res, nil
}

// Decode returns the text of ids as tok decodes it with special tokens skipped (Hugging Face's
// skip_special_tokens=True). A leading BOS is kept for the decoder and its text trimmed off after:
// llama2.c's decoder strips the space of the token after BOS (run.c's rule), and Hugging Face's
// LlamaTokenizer, which drops the dummy-prefix space of the first token anyway, writes BOS as "<s>".
func Decode(tok tokenizer.Tokenizer, ids []int) string {
	sp := tok.Special()
	special := []int{sp.UNK, sp.CLS, sp.SEP, sp.PAD, sp.MASK, sp.BOS, sp.EOS}
	var kept []int
	lead := len(ids) > 0 && ids[0] == sp.BOS && sp.BOS >= 0
	if lead {
		kept = append(kept, sp.BOS)
	}
	for _, id := range ids {
		if !slices.Contains(special, id) {
			kept = append(kept, id)
		}
	}
	text := tok.Decode(kept)
	if lead {
		text = strings.TrimPrefix(text, tok.Token(sp.BOS))
	}
	return text
}
