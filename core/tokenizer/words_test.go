package tokenizer

import (
	"slices"
	"testing"
)

// TestExportedWords checks the word splitters vocabulary trainers use against what the tokenizers
// themselves cut: BertTokenizer's basic tokenization and GPT-2's byte-level pre-tokenization.
func TestExportedWords(t *testing.T) {
	if got, want := BasicWords("Héllo, WORLD!  It's\tfine", true), []string{"hello", ",", "world", "!", "it", "'", "s", "fine"}; !slices.Equal(got, want) {
		t.Errorf("BasicWords lower-cased: %q, want %q", got, want)
	}
	if got, want := BasicWords("Héllo, WORLD!", false), []string{"Héllo", ",", "WORLD", "!"}; !slices.Equal(got, want) {
		t.Errorf("BasicWords cased: %q, want %q", got, want)
	}
	if got, want := ByteLevelWords("Hello world's  end\n"), []string{"Hello", "Ġworld", "'s", "Ġ", "Ġend", "Ċ"}; !slices.Equal(got, want) {
		t.Errorf("ByteLevelWords: %q, want %q", got, want)
	}
	if got := ByteLevelWords("é"); !slices.Equal(got, []string{"Ã©"}) {
		t.Errorf("ByteLevelWords spells é's two bytes as %q, want Ã©", got)
	}
	alphabet := ByteLevelAlphabet()
	if len(alphabet) != 256 || alphabet[' '] != "Ġ" || alphabet['a'] != "a" || alphabet[0] != "Ā" {
		t.Errorf("alphabet of %d characters; space %q, a %q, NUL %q", len(alphabet), alphabet[' '], alphabet['a'], alphabet[0])
	}
}
