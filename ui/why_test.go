package main

import "testing"

func TestWhyNot(t *testing.T) {
	for _, c := range []struct {
		reasons []reason
		want    string
	}{
		{nil, ""},
		{[]reason{{false, "a"}, {false, "b"}}, ""},
		{[]reason{{false, "a"}, {true, "b"}, {true, "c"}}, "b"},
		{[]reason{{true, "a"}, {true, "b"}}, "a"},
	} {
		if got := whyNot(c.reasons...); got != c.want {
			t.Errorf("whyNot(%v) = %q, want %q", c.reasons, got, c.want)
		}
	}
}
