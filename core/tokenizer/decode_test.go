package tokenizer

import "testing"

// TestPyDecodeUTF8 compares with what Python 3.11's bytes.decode("utf-8", errors="replace") returns.
func TestPyDecodeUTF8(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain ascii", "plain ascii"},
		{"\xf0\x9f\x99", "\ufffd"},
		{"\xe0\x80", "\ufffd\ufffd"},
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
		{"a\xffb", "a\ufffdb"},
		{"\xc3", "\ufffd"},
		{"\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd"},
		{"\xe2\x82", "\ufffd"},
		{"\xe2\x82\xac\x80", "€\ufffd"},
		{"\xf0\x9f\x99\x82\xf0\x9f", "🙂\ufffd"},
	} {
		if got := pyDecodeUTF8([]byte(tc.in)); got != tc.want {
			t.Errorf("pyDecodeUTF8(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecode(t *testing.T) {
	bert := goldenTokenizer(t, "bert", "wordpiece")
	gpt2 := goldenTokenizer(t, "gpt2", "gpt2_bpe")
	for _, tc := range []struct {
		name string
		tok  Tokenizer
		ids  []int
		want string
	}{
		// clean_up_tokenization removes the space before punctuation and contractions, in order.
		{"clean up", bert, []int{88, 5, 9, 44, 7}, "the.'s!"},
		{"unknown id", bert, []int{88, -1, 1000}, "the [UNK] [UNK]"},
		{"byte pieces", gpt2, []int{240, 159, 153, 130}, "🙂"},
		// a character cut short decodes to one U+FFFD, then the clean-up drops the space before "!"
		{"cut character", gpt2, []int{240, 159, 32, 33}, "\ufffd!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.tok.Decode(tc.ids); got != tc.want {
				t.Errorf("Decode(%v) = %q, want %q", tc.ids, got, tc.want)
			}
		})
	}
}
