package metrics

import (
	"errors"
	"fmt"
	"strings"
)

// Tagging returns what the token-classification example of transformers (run_ner.py) reports through
// seqeval for predicted tags against the true ones, a slice of tags a sentence, under the keys:
//
//	acc:                   the fraction of words tagged right (seqeval's accuracy_score)
//	precision, recall, f1: micro-averaged over entities (seqeval's default mode: an entity counts
//	                       when its type, first and last word all match)
//
// Entities are read from IOB tags (O, B-X, I-X, and IOBES's E-X and S-X) as seqeval's get_entities
// reads them. When a tag is not one of those seqeval fails; here only acc is reported then.
func Tagging(truth, predicted [][]string) (map[string]float64, error) {
	if len(truth) != len(predicted) {
		return nil, fmt.Errorf("metrics: %d predicted sentences for %d", len(predicted), len(truth))
	}
	words, correct := 0, 0
	for i, want := range truth {
		if len(predicted[i]) != len(want) {
			return nil, fmt.Errorf("metrics: sentence %d: %d predicted tags for %d words", i, len(predicted[i]), len(want))
		}
		for j, tag := range want {
			if predicted[i][j] == tag {
				correct++
			}
		}
		words += len(want)
	}
	if words == 0 {
		return nil, errors.New("metrics: no words")
	}
	out := map[string]float64{"acc": float64(correct) / float64(words)}
	trueEntities, ok1 := entities(truth)
	predEntities, ok2 := entities(predicted)
	if !ok1 || !ok2 {
		return out, nil
	}
	isTrue := make(map[entity]bool, len(trueEntities))
	for _, e := range trueEntities {
		isTrue[e] = true
	}
	hits := 0
	for _, e := range predEntities {
		if isTrue[e] {
			hits++
		}
	}
	p, r := ratio(hits, len(predEntities)), ratio(hits, len(trueEntities))
	out["precision"], out["recall"], out["f1"] = p, r, 0
	if p+r > 0 {
		out["f1"] = 2 * p * r / (p + r)
	}
	return out, nil
}

// ratio is a/b, 0 when b is 0 (seqeval's zero division).
func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// entity is a chunk of tags: its type, and its first and last word counted over the sentences joined.
type entity struct {
	typ        string
	start, end int
}

// entities finds the entities of sentences of tags as seqeval's get_entities does: the sentences
// joined with an O after each, a chunk ending where a B, S or O follows a B or I, after an E or S, or
// where the type changes, and starting at a B or S, at an I or E after an O, E or S, or where the type
// changes; so an I after an O starts an entity, and B-X I-Y are two. ok is false when a tag is not an
// IOB tag.
func entities(sentences [][]string) (found []entity, ok bool) {
	prevTag, prevType, begin, i := byte('O'), "", 0, 0
	step := func(chunk string) bool {
		if !isChunkTag(chunk) {
			return false
		}
		tag, typ := chunk[0], "_"
		if len(chunk) > 2 {
			typ = chunk[2:]
		}
		if chunkEnds(prevTag, tag, prevType, typ) {
			found = append(found, entity{prevType, begin, i - 1})
		}
		if chunkStarts(prevTag, tag, prevType, typ) {
			begin = i
		}
		prevTag, prevType = tag, typ
		i++
		return true
	}
	for _, s := range sentences {
		for _, chunk := range s {
			if !step(chunk) {
				return nil, false
			}
		}
		step("O")
	}
	step("O")
	return found, true
}

// isChunkTag reports whether tag is one seqeval accepts: O, B, I, E or S alone, or B-, I-, E- or S-
// and a type.
func isChunkTag(tag string) bool {
	switch {
	case len(tag) == 1:
		return strings.Contains("OBIES", tag)
	case len(tag) > 2:
		return strings.ContainsRune("BIES", rune(tag[0])) && tag[1] == '-'
	}
	return false
}

// chunkEnds is seqeval's end_of_chunk: whether a chunk ended between the previous word and this one.
func chunkEnds(prevTag, tag byte, prevType, typ string) bool {
	switch {
	case prevTag == 'E' || prevTag == 'S':
		return true
	case (prevTag == 'B' || prevTag == 'I') && (tag == 'B' || tag == 'S' || tag == 'O'):
		return true
	}
	return prevTag != 'O' && prevTag != '.' && prevType != typ
}

// chunkStarts is seqeval's start_of_chunk: whether a chunk started between the previous word and
// this one.
func chunkStarts(prevTag, tag byte, prevType, typ string) bool {
	switch {
	case tag == 'B' || tag == 'S':
		return true
	case (prevTag == 'E' || prevTag == 'S' || prevTag == 'O') && (tag == 'E' || tag == 'I'):
		return true
	}
	return tag != 'O' && tag != '.' && prevType != typ
}
