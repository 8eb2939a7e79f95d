package npy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A header is what the .npy header dict says about the array.
type header struct {
	descr        string
	fortranOrder bool
	shape        []int
}

// parseHeader parses the Python dict literal of a .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } followed by padding. It accepts the subset
// of Python literal syntax that np.save writes (strings in either quote, True/False, tuples of ints, with
// Python 2's L suffix) and, like np.load, exactly the keys descr, fortran_order and shape.
func parseHeader(s string) (header, error) {
	p := &literalParser{s: s}
	var h header
	seen := map[string]bool{}
	if !p.consume('{') {
		return h, errors.New("does not start with '{'")
	}
	for !p.consume('}') {
		key, err := p.str()
		if err != nil {
			return h, fmt.Errorf("key: %w", err)
		}
		if seen[key] {
			return h, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		if !p.consume(':') {
			return h, fmt.Errorf("no ':' after key %q", key)
		}
		switch key {
		case "descr":
			h.descr, err = p.str()
		case "fortran_order":
			h.fortranOrder, err = p.boolean()
		case "shape":
			h.shape, err = p.tuple()
		default:
			return h, fmt.Errorf("unexpected key %q (np.save writes only descr, fortran_order and shape)", key)
		}
		if err != nil {
			return h, fmt.Errorf("%s: %w", key, err)
		}
		if !p.consume(',') {
			if !p.consume('}') {
				return h, fmt.Errorf("no ',' or '}' after %s", key)
			}
			break
		}
	}
	if rest := strings.Trim(p.s[p.pos:], " \t\r\n"); rest != "" {
		return h, fmt.Errorf("unexpected %q after the dict", rest)
	}
	for _, key := range []string{"descr", "fortran_order", "shape"} {
		if !seen[key] {
			return h, fmt.Errorf("no %q key", key)
		}
	}
	return h, nil
}

// A literalParser reads Python literals from s, skipping spaces between tokens.
type literalParser struct {
	s   string
	pos int
}

func (p *literalParser) skipSpace() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// consume skips spaces and then c if it is next, reporting whether it was.
func (p *literalParser) consume(c byte) bool {
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

// str reads a quoted string without escapes (dtype descriptors and key names have none).
func (p *literalParser) str() (string, error) {
	p.skipSpace()
	if p.pos >= len(p.s) || (p.s[p.pos] != '\'' && p.s[p.pos] != '"') {
		return "", errors.New("expected a quoted string")
	}
	quote := p.s[p.pos]
	end := strings.IndexByte(p.s[p.pos+1:], quote)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.pos+1 : p.pos+1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", fmt.Errorf("escape in string %q", v)
	}
	p.pos += end + 2
	return v, nil
}

func (p *literalParser) boolean() (bool, error) {
	p.skipSpace()
	for _, b := range []struct {
		word  string
		value bool
	}{{"True", true}, {"False", false}} {
		if strings.HasPrefix(p.s[p.pos:], b.word) {
			p.pos += len(b.word)
			return b.value, nil
		}
	}
	return false, errors.New("expected True or False")
}

// tuple reads a tuple of non-negative ints: (), (3,), (3, 4). As in Python, (3) is an int, not a tuple.
func (p *literalParser) tuple() ([]int, error) {
	if !p.consume('(') {
		return nil, errors.New("expected a tuple")
	}
	dims := []int{}
	comma := false
	for !p.consume(')') {
		p.skipSpace()
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
		}
		d, err := strconv.ParseInt(p.s[start:p.pos], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("dimension %d: expected a non-negative int, found %.10q", len(dims), p.s[start:])
		}
		if p.pos < len(p.s) && p.s[p.pos] == 'L' {
			p.pos++
		}
		dims = append(dims, int(d))
		if comma = p.consume(','); !comma {
			if !p.consume(')') {
				return nil, fmt.Errorf("no ',' or ')' after dimension %d", len(dims)-1)
			}
			break
		}
	}
	if len(dims) == 1 && !comma {
		return nil, errors.New("(n) is an int, not a tuple: a 1-d shape is written (n,)")
	}
	return dims, nil
}
