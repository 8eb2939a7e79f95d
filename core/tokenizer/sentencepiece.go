package tokenizer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// A sentencepiece model file (tokenizer.model) is a serialized ModelProto (sentencepiece_model.proto).
// It is read here by a small protocol-buffer reader that knows only the fields the encoder uses, skips
// the rest, and checks every length against the bytes left, so that any file is an error or a model.

// pieceType is ModelProto.SentencePiece.Type.
type pieceType int

const (
	pieceNormal      pieceType = 1
	pieceUnknown     pieceType = 2
	pieceControl     pieceType = 3
	pieceUserDefined pieceType = 4
	pieceUnused      pieceType = 5
	pieceByte        pieceType = 6
)

// spPiece is one piece of the vocabulary; its id is its place in the file.
type spPiece struct {
	text  string
	score float32
	typ   pieceType
}

// spModel is what bertology reads of a ModelProto: the pieces, the trainer's model type and the
// options of its normalizer and decoder.
type spModel struct {
	pieces []spPiece
	// trainer_spec
	modelType        int // 1 unigram, 2 BPE, 3 word, 4 char
	byteFallback     bool
	whitespaceSuffix bool   // treat_whitespace_as_suffix
	unkSurface       string // what decoding writes for <unk>
	// normalizer_spec
	normalizerName      string
	charsmap            bool // a precompiled_charsmap is present (NFKC and the like)
	addDummyPrefix      bool
	removeExtraSpaces   bool
	escapeWhitespaces   bool
	normalizationRules  bool // normalization_rule_tsv is present
	denormalizerPresent bool
}

// protobuf wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// protoReader reads protocol-buffer fields from a message's bytes.
type protoReader struct {
	b   []byte
	err error
}

var errTruncated = errors.New("the message ends inside a field")

func (r *protoReader) varint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("a malformed varint")
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// next reads the next field's key and value: a varint's or fixed number's value in v, a
// length-delimited field's bytes in data. ok is false at the end of the message or on an error (r.err).
func (r *protoReader) next() (field int, wire int, v uint64, data []byte, ok bool) {
	if r.err != nil || len(r.b) == 0 {
		return 0, 0, 0, nil, false
	}
	key := r.varint()
	if r.err != nil {
		return 0, 0, 0, nil, false
	}
	field, wire = int(key>>3), int(key&7)
	if field == 0 || key>>3 > math.MaxInt32 {
		r.err = fmt.Errorf("field number %d", key>>3)
		return 0, 0, 0, nil, false
	}
	switch wire {
	case wireVarint:
		v = r.varint()
	case wireFixed64, wireFixed32:
		n := map[int]int{wireFixed64: 8, wireFixed32: 4}[wire]
		if len(r.b) < n {
			r.err = errTruncated
			return 0, 0, 0, nil, false
		}
		if n == 8 {
			v = binary.LittleEndian.Uint64(r.b)
		} else {
			v = uint64(binary.LittleEndian.Uint32(r.b))
		}
		r.b = r.b[n:]
	case wireBytes:
		n := r.varint()
		if r.err == nil && n > uint64(len(r.b)) {
			r.err = errTruncated
		}
		if r.err != nil {
			return 0, 0, 0, nil, false
		}
		data, r.b = r.b[:n], r.b[n:]
	default:
		r.err = fmt.Errorf("field %d has wire type %d, which sentencepiece models do not use", field, wire)
	}
	return field, wire, v, data, r.err == nil
}

// fieldError names a field of the wrong wire type.
func fieldError(message string, field, wire, want int) error {
	return fmt.Errorf("%s field %d has wire type %d, want %d", message, field, wire, want)
}

// readSentencepiece reads a tokenizer.model.
func readSentencepiece(data []byte) (*spModel, error) {
	m := &spModel{modelType: 1, unkSurface: " \u2047 ", addDummyPrefix: true, removeExtraSpaces: true, escapeWhitespaces: true}
	r := protoReader{b: data}
	for {
		field, wire, _, b, ok := r.next()
		if !ok {
			break
		}
		var err error
		switch field {
		case 1:
			if wire != wireBytes {
				return nil, fmt.Errorf("tokenizer.model: %w", fieldError("ModelProto", field, wire, wireBytes))
			}
			if len(m.pieces) >= maxVocabID {
				return nil, fmt.Errorf("tokenizer.model: more than %d pieces", maxVocabID)
			}
			var p spPiece
			p, err = readPiece(b)
			m.pieces = append(m.pieces, p)
		case 2:
			err = m.readTrainerSpec(b, wire)
		case 3:
			err = m.readNormalizerSpec(b, wire)
		case 5:
			m.denormalizerPresent = true
		}
		if err != nil {
			return nil, fmt.Errorf("tokenizer.model: %w", err)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("tokenizer.model: not a sentencepiece model: %w", r.err)
	}
	if len(m.pieces) == 0 {
		return nil, fmt.Errorf("tokenizer.model: no pieces")
	}
	return m, nil
}

func readPiece(b []byte) (spPiece, error) {
	p := spPiece{typ: pieceNormal}
	r := protoReader{b: b}
	for {
		field, wire, v, data, ok := r.next()
		if !ok {
			break
		}
		want := map[int]int{1: wireBytes, 2: wireFixed32, 3: wireVarint}[field]
		if field <= 3 && wire != want {
			return p, fieldError("SentencePiece", field, wire, want)
		}
		switch field {
		case 1:
			p.text = string(data)
		case 2:
			p.score = math.Float32frombits(uint32(v))
		case 3:
			if v < uint64(pieceNormal) || v > uint64(pieceByte) {
				return p, fmt.Errorf("piece %q has type %d, not one of sentencepiece's 1 to 6", p.text, v)
			}
			p.typ = pieceType(v)
		}
	}
	return p, r.err
}

func (m *spModel) readTrainerSpec(b []byte, wire int) error {
	if wire != wireBytes {
		return fieldError("ModelProto", 2, wire, wireBytes)
	}
	r := protoReader{b: b}
	for {
		field, wire, v, data, ok := r.next()
		if !ok {
			break
		}
		switch field {
		case 3, 24, 35: // model_type, treat_whitespace_as_suffix, byte_fallback
			if wire != wireVarint {
				return fieldError("TrainerSpec", field, wire, wireVarint)
			}
			switch field {
			case 3:
				m.modelType = int(min(v, math.MaxInt32))
			case 24:
				m.whitespaceSuffix = v != 0
			case 35:
				m.byteFallback = v != 0
			}
		case 44: // unk_surface
			if wire != wireBytes {
				return fieldError("TrainerSpec", field, wire, wireBytes)
			}
			m.unkSurface = string(data)
		}
	}
	return r.err
}

func (m *spModel) readNormalizerSpec(b []byte, wire int) error {
	if wire != wireBytes {
		return fieldError("ModelProto", 3, wire, wireBytes)
	}
	r := protoReader{b: b}
	for {
		field, wire, v, data, ok := r.next()
		if !ok {
			break
		}
		want := map[int]int{1: wireBytes, 2: wireBytes, 3: wireVarint, 4: wireVarint, 5: wireVarint, 6: wireBytes}[field]
		if field >= 1 && field <= 6 && wire != want {
			return fieldError("NormalizerSpec", field, wire, want)
		}
		switch field {
		case 1:
			m.normalizerName = string(data)
		case 2:
			m.charsmap = len(data) > 0
		case 3:
			m.addDummyPrefix = v != 0
		case 4:
			m.removeExtraSpaces = v != 0
		case 5:
			m.escapeWhitespaces = v != 0
		case 6:
			m.normalizationRules = len(data) > 0
		}
	}
	return r.err
}
