package bertology

import (
	"fmt"
	"strings"
)

// FormatTable renders a [layers x heads] matrix the way run_bertology.py's print_2d_tensor logs it: a
// header line, then one line per layer with tab-separated values (%.5f, or %d for ranks). The header
// counts layers, not heads — the script's own quirk, kept so logs compare line for line.
func FormatTable[T float32 | float64 | int](m []T, layers, heads int) []string {
	lines := make([]string, 0, layers+1)
	var hdr strings.Builder
	hdr.WriteString("lv, h >")
	for l := 0; l < layers; l++ {
		fmt.Fprintf(&hdr, "\t%d", l+1)
	}
	lines = append(lines, hdr.String())
	for l := 0; l < layers; l++ {
		var b strings.Builder
		fmt.Fprintf(&b, "layer %d:", l+1)
		for _, v := range m[l*heads : (l+1)*heads] {
			switch x := any(v).(type) {
			case int:
				fmt.Fprintf(&b, "\t%d", x)
			case float32:
				fmt.Fprintf(&b, "\t%.5f", float64(x))
			case float64:
				fmt.Fprintf(&b, "\t%.5f", x)
			}
		}
		lines = append(lines, b.String())
	}
	return lines
}
