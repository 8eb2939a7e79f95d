package main

import "testing"

func TestResolveAddress(t *testing.T) {
	const page = "http://127.0.0.1:8080/app/index.html?x=1#top"
	for _, c := range []struct {
		typed, page, want string
		fails             bool
	}{
		{typed: "models/gpt2-tiny-sst2/", page: page, want: "http://127.0.0.1:8080/app/models/gpt2-tiny-sst2/"},
		{typed: "./models/gpt2-tiny-sst2/", page: page, want: "http://127.0.0.1:8080/app/models/gpt2-tiny-sst2/"},
		{typed: "/models/gpt2-tiny-sst2/", page: page, want: "http://127.0.0.1:8080/models/gpt2-tiny-sst2/"},
		{typed: "../models/x", page: page, want: "http://127.0.0.1:8080/models/x"},
		{typed: "models/x/", page: "", want: "models/x/"},
		// Another site's address goes as typed, not rewritten.
		{typed: "https://example.org/m/", page: page, want: "https://example.org/m/"},
		{typed: "HTTP://Example.org/a%20b/", page: page, want: "HTTP://Example.org/a%20b/"},
		{typed: "javascript:alert(1)", page: page, fails: true},
		{typed: "file:///etc/", page: page, fails: true},
		{typed: "http://[::1", page: page, fails: true},
	} {
		got, err := resolveAddress(c.typed, c.page)
		if c.fails {
			if err == nil {
				t.Errorf("%q: %q, want an error", c.typed, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q against %q: %q, %v; want %q", c.typed, c.page, got, err, c.want)
		}
	}
}
