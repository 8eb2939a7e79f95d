package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bertology/core/f64"
	"bertology/core/golden"
	"bertology/core/induction"
	"bertology/core/npy"
)

// TestHeadsCommand runs heads on the GPT-2 golden model and expects the scores of induction.Run with
// the same sequences (BOS <|endoftext|>, the tokenizer's special tokens never drawn) in its tables, its
// JSON and its .npy files.
func TestHeadsCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "heads.json")
	modelDir := golden.Path(t, "gpt2", "model")
	var stdout bytes.Buffer
	args := []string{"--model", modelDir, "--length", "9", "--seeds", "3", "--seed", "4", "--top", "2", "--out", out}
	if err := runHeads(args, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	m, tok, err := loadModelAndTokenizer(modelSource{nameOrPath: modelDir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	bos := tok.Special().BOS
	if bos != 336 {
		t.Fatalf("the golden GPT-2's BOS is %d, want <|endoftext|> 336", bos)
	}
	want, err := induction.Run(context.Background(), m, induction.Options{Length: 9, Sequences: 3, Seed: 4, BOS: bos, Special: []int{bos}, Top: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ModelType      string         `json:"model_type"`
		Layers         int            `json:"layers"`
		Tokens         int            `json:"tokens"`
		BOS            string         `json:"bos"`
		PrefixMatching *golden.Tensor `json:"prefix_matching"`
		Copying        *golden.Tensor `json:"copying"`
		PreviousToken  *golden.Tensor `json:"previous_token"`
	}
	golden.Decode(t, out, &got)
	if got.ModelType != "gpt2" || got.Layers != 3 || got.Tokens != 19 || got.BOS != "<|endoftext|>" {
		t.Errorf("JSON: model %q, %d layers, %d tokens, BOS %q; want gpt2, 3, 19, <|endoftext|>", got.ModelType, got.Layers, got.Tokens, got.BOS)
	}
	text := stdout.String()
	for key, tensor := range map[string]*golden.Tensor{induction.PrefixMatchingKey: got.PrefixMatching, induction.CopyingKey: got.Copying, induction.PreviousTokenKey: got.PreviousToken} {
		w := want.Score(key)
		golden.AssertClose(t, key+" in the JSON", w.Data, tensor, 1e-7) // the JSON writes float32 to 8 digits
		f, err := os.Open(matrixPath(out, key))
		if err != nil {
			t.Fatal(err)
		}
		shape, data, err := npy.Read(f)
		f.Close()
		if err != nil || fmt.Sprint(shape) != "[3 4]" {
			t.Fatalf("%s.npy: shape %v, %v", key, shape, err)
		}
		golden.AssertClose(t, key+".npy", w.Data, &golden.Tensor{Shape: shape, Data: f64.FromFloat32(data)}, 0)
		// The table's row for layer 2.
		row := "layer 2 "
		for h := range 4 {
			row += fmt.Sprintf(" %7.3f", w.Data[2*4+h])
		}
		if !strings.Contains(text, scoreTitles[key]+"\n") || !strings.Contains(text, row+"\n") {
			t.Errorf("%s: the output has no table with the row %q:\n%s", key, row, text)
		}
	}
}

// TestHeadsCommandErrors expects a model that is not a causal language model and a repeat too long for
// the model to be refused with errors that say why.
func TestHeadsCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", golden.Path(t, "bert", "model")}, "need a causal language model"},
		{[]string{"--model", golden.Path(t, "gpt2", "model"), "--length", "40"}, "at most 31"},
	} {
		err := runHeads(tc.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("heads %v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}
