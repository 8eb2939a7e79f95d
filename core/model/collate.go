package model

// Collate stacks seqs, each one unpadded sequence (a batch of one), into one batch for m, right-padded
// to seqLen or, when seqLen is 0, to the longest of them. Padding has id padID and attention mask 0.
//
// The model decides the rest. Token types are kept only when it has a token-type embedding (BERT) and
// every sequence has them: DistilBERT shares BERT's tokenizer, which gives them, but has none. A
// language-model head, a token classifier and the pre-training head take a label per token, so a
// sequence's labels are padded with -100; any other head takes a sequence's labels (its class id) as
// they are. Regression targets, a question answerer's positions and next-sentence labels are stacked.
func (m *Model) Collate(seqs []*Batch, seqLen, padID int) *Batch {
	t := seqLen
	types := m.typeEmb != nil
	for _, s := range seqs {
		if seqLen == 0 {
			t = max(t, s.SeqLen)
		}
		types = types && s.TokenTypeIDs != nil
	}
	tokenLabels := m.head == CausalLM || m.head == MaskedLM || m.head == TokenClassification || m.head == PreTraining
	b := &Batch{Size: len(seqs), SeqLen: t}
	for _, s := range seqs {
		perToken := tokenLabels && s.Labels != nil && len(s.Labels) == s.SeqLen
		for j := range t {
			id, mask, typ, label := padID, 0, 0, ignoreIndex
			if j < s.SeqLen {
				id, mask = s.InputIDs[j], 1
				if types {
					typ = s.TokenTypeIDs[j]
				}
				if perToken {
					label = s.Labels[j]
				}
			}
			b.InputIDs = append(b.InputIDs, id)
			b.AttentionMask = append(b.AttentionMask, mask)
			if types {
				b.TokenTypeIDs = append(b.TokenTypeIDs, typ)
			}
			if perToken {
				b.Labels = append(b.Labels, label)
			}
		}
		if !perToken {
			b.Labels = append(b.Labels, s.Labels...)
		}
		b.Targets = append(b.Targets, s.Targets...)
		b.StartPositions = append(b.StartPositions, s.StartPositions...)
		b.EndPositions = append(b.EndPositions, s.EndPositions...)
		b.NextSentenceLabels = append(b.NextSentenceLabels, s.NextSentenceLabels...)
	}
	return b
}
