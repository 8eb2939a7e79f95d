package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSONVocab parses vocab.json, a JSON object from token to integer id. It is written out by hand
// because encoding/json, built on reflection, takes seconds over GPT-2's 50,257 entries while the
// WebAssembly code is still cold, as it is when a page loads its first model; and it allocates the
// tokens all at once, sliced from the file's text or from one buffer of unescaped tokens, so that the
// garbage collector sees two objects instead of 50,000. A token given twice keeps its last id, as with
// Python's json.load.
func parseJSONVocab(data []byte) (map[string]int, error) {
	p := jsonParser{text: string(data)}
	type entry struct {
		tok jsonString
		id  int
	}
	entries := make([]entry, 0, len(data)/16)
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	if p.space(); p.i < len(p.text) && p.text[p.i] == '}' {
		p.i++
	} else {
		for {
			tok, err := p.string()
			if err != nil {
				return nil, err
			}
			if err := p.expect(':'); err != nil {
				return nil, err
			}
			id, err := p.integer()
			if err != nil {
				return nil, fmt.Errorf("%w (the id of %q)", err, p.value(tok, string(p.unescaped)))
			}
			entries = append(entries, entry{tok, id})
			if p.space(); p.i < len(p.text) && p.text[p.i] == ',' {
				p.i++
				continue
			}
			if err := p.expect('}'); err != nil {
				return nil, err
			}
			break
		}
	}
	if p.space(); p.i < len(p.text) {
		return nil, p.errorf("data after the object")
	}
	unescaped := string(p.unescaped)
	ids := make(map[string]int, len(entries))
	for _, e := range entries {
		ids[p.value(e.tok, unescaped)] = e.id
	}
	return ids, nil
}

// jsonParser reads JSON values from text, p.i the offset of the next byte. Strings with escapes are
// decoded into unescaped, one after another.
type jsonParser struct {
	text      string
	i         int
	unescaped []byte
}

// jsonString is where a parsed string is: text[start:end], or unescaped[start:end] when escaped.
type jsonString struct {
	escaped    bool
	start, end int
}

// value returns the string s, given p.unescaped as a string.
func (p *jsonParser) value(s jsonString, unescaped string) string {
	if s.escaped {
		return unescaped[s.start:s.end]
	}
	return p.text[s.start:s.end]
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// space skips JSON white space.
func (p *jsonParser) space() {
	for p.i < len(p.text) {
		switch p.text[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// expect skips white space and the byte c.
func (p *jsonParser) expect(c byte) error {
	if p.space(); p.i >= len(p.text) || p.text[p.i] != c {
		return p.errorf("want %q", c)
	}
	p.i++
	return nil
}

// string reads a JSON string. Like encoding/json it turns an unpaired UTF-16 surrogate escape into
// U+FFFD; bytes that are not UTF-8 pass through.
func (p *jsonParser) string() (jsonString, error) {
	if err := p.expect('"'); err != nil {
		return jsonString{}, err
	}
	start := p.i
	for p.i < len(p.text) && p.text[p.i] != '"' && p.text[p.i] != '\\' && p.text[p.i] >= 0x20 {
		p.i++
	}
	if p.i < len(p.text) && p.text[p.i] == '"' {
		p.i++
		return jsonString{false, start, p.i - 1}, nil
	}
	from := len(p.unescaped)
	p.unescaped = append(p.unescaped, p.text[start:p.i]...)
	for p.i < len(p.text) {
		c := p.text[p.i]
		switch {
		case c == '"':
			p.i++
			return jsonString{true, from, len(p.unescaped)}, nil
		case c < 0x20:
			return jsonString{}, p.errorf("control character in a string")
		case c != '\\':
			p.unescaped = append(p.unescaped, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.text) {
			break
		}
		e := p.text[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			p.unescaped = append(p.unescaped, e)
		case 'b', 'f', 'n', 'r', 't':
			p.unescaped = append(p.unescaped, "\b\f\n\r\t"[strings.IndexByte("bfnrt", e)])
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return jsonString{}, err
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if p.i+1 < len(p.text) && p.text[p.i] == '\\' && p.text[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if r2, err = p.hex4(); err != nil {
						return jsonString{}, err
					}
					if utf16.DecodeRune(r, r2) == utf8.RuneError {
						p.i, r2 = save, -1 // not a pair: the second escape stands on its own
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			p.unescaped = utf8.AppendRune(p.unescaped, r)
		default:
			return jsonString{}, p.errorf("unknown escape \\%c", e)
		}
	}
	return jsonString{}, p.errorf("unterminated string")
}

// hex4 reads the four hex digits of a \u escape.
func (p *jsonParser) hex4() (rune, error) {
	if p.i+4 > len(p.text) {
		return 0, p.errorf("short \\u escape")
	}
	var r rune
	for _, c := range p.text[p.i : p.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, p.errorf("bad \\u escape")
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, nil
}

// integer reads a JSON number that must be an integer of at most 9 digits.
func (p *jsonParser) integer() (int, error) {
	p.space()
	start, neg := p.i, false
	if p.i < len(p.text) && p.text[p.i] == '-' {
		neg = true
		p.i++
	}
	n, digits := 0, 0
	for ; p.i < len(p.text) && '0' <= p.text[p.i] && p.text[p.i] <= '9'; p.i++ {
		n = n*10 + int(p.text[p.i]-'0')
		digits++
	}
	leadingZero := digits > 1 && p.text[p.i-digits] == '0'
	if digits == 0 || digits > 9 || leadingZero || p.i < len(p.text) && (p.text[p.i] == '.' || p.text[p.i] == 'e' || p.text[p.i] == 'E') {
		p.i = start
		return 0, p.errorf("want an integer id of at most 9 digits")
	}
	if neg {
		n = -n
	}
	return n, nil
}
