package model

// Split cuts b into consecutive batches of at most size sequences, sharing b's slices. Labels are split
// per sequence for a sequence classifier and per token for a token classifier or a language model, as
// their length says.
func (b *Batch) Split(size int) []*Batch {
	if size <= 0 || size >= b.Size {
		return []*Batch{b}
	}
	t := b.SeqLen
	part := func(x []int, per int, s, e int) []int {
		if x == nil {
			return nil
		}
		return x[s*per : e*per]
	}
	var out []*Batch
	for s := 0; s < b.Size; s += size {
		e := min(s+size, b.Size)
		p := &Batch{Size: e - s, SeqLen: t,
			InputIDs:      b.InputIDs[s*t : e*t],
			AttentionMask: part(b.AttentionMask, t, s, e),
			TokenTypeIDs:  part(b.TokenTypeIDs, t, s, e),
		}
		if b.Labels != nil {
			p.Labels = part(b.Labels, len(b.Labels)/b.Size, s, e)
		}
		if b.Targets != nil {
			per := len(b.Targets) / b.Size
			p.Targets = b.Targets[s*per : e*per]
		}
		p.StartPositions = part(b.StartPositions, 1, s, e)
		p.EndPositions = part(b.EndPositions, 1, s, e)
		p.NextSentenceLabels = part(b.NextSentenceLabels, 1, s, e)
		out = append(out, p)
	}
	return out
}
