package main

import (
	"fmt"
	"net/url"
)

// pageAddress is the page's own address (the browser's location), which the URL field's relative
// addresses resolve against; hosts without one pass them on as typed.
type pageAddress interface {
	PageURL() string
}

// resolveAddress is the model directory's address the URL field names: a relative one
// ("models/x/", "./models/x/", "/models/x/") resolved against the page's address page, an absolute one
// (another site's too) exactly as the user typed it.
func resolveAddress(typed, page string) (string, error) {
	u, err := url.Parse(typed)
	if err != nil {
		return "", fmt.Errorf("%q is not an address: %w", typed, err)
	}
	if u.IsAbs() {
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", fmt.Errorf("%q: want an http or https address, or one relative to the page", typed)
		}
		return typed, nil
	}
	if page == "" {
		return typed, nil
	}
	base, err := url.Parse(page)
	if err != nil {
		return "", fmt.Errorf("the page's address %q: %w", page, err)
	}
	return base.ResolveReference(u).String(), nil
}
