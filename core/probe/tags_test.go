package probe

import (
	"slices"
	"testing"
)

func TestEncode(t *testing.T) {
	labels, classes := Encode([]string{"NOUN", "DET", "NOUN", "VERB"})
	if !slices.Equal(classes, []string{"DET", "NOUN", "VERB"}) || !slices.Equal(labels, []int{1, 0, 1, 2}) {
		t.Fatalf("Encode = %v, %v", labels, classes)
	}
}
