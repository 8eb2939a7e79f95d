// Package hub opens models on the Hugging Face Hub by their id (`gpt2`, `prajjwal1/bert-tiny`) as
// transformers' from_pretrained does: it finds the files a model needs (checkpoint.Discover), downloads
// them from `{endpoint}/{id}/resolve/{revision}/{file}`, and keeps them in the Hub cache that
// transformers and huggingface_hub share (Cache), or in memory (Client.Files) where there is no disk.
//
// The package is pure Go and builds for js/wasm: the HTTP client is the caller's (Client.HTTP), so
// the browser can bring one that fetches.
package hub

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// DefaultEndpoint is the Hub's address when HF_ENDPOINT does not name a mirror.
const DefaultEndpoint = "https://huggingface.co"

// DefaultRevision is the branch read when no revision is given.
const DefaultRevision = "main"

// Repo names one revision of a model repository.
type Repo struct {
	// ID is "org/name", or "name" alone for the Hub's oldest models (gpt2, bert-base-uncased).
	ID string
	// Revision is a branch, a tag or a commit hash; "" means DefaultRevision.
	Revision string
}

// String returns "id" at the default revision, else "id@revision".
func (r Repo) String() string {
	if r.rev() == DefaultRevision {
		return r.ID
	}
	return r.ID + "@" + r.Revision
}

func (r Repo) rev() string {
	if r.Revision == "" {
		return DefaultRevision
	}
	return r.Revision
}

// Validate checks that ID and Revision are names the Hub can hold, as huggingface_hub checks a
// repo_id: one or two parts of letters, digits, '-', '_' and '.', each starting and ending with a
// letter, a digit or '_', without "--" or "..", at most 96 characters. A revision is made of the same
// characters and '/' (refs/pr/1), without empty, "." or ".." parts. Both become paths in the cache,
// so nothing else gets through.
func (r Repo) Validate() error {
	if err := validateID(r.ID); err != nil {
		return err
	}
	return validateRevision(r.rev())
}

func validateID(id string) error {
	parts := strings.Split(id, "/")
	if len(id) == 0 || len(id) > 96 || len(parts) > 2 || strings.Contains(id, "--") || strings.Contains(id, "..") {
		return fmt.Errorf("hub: %q is not a model id (org/name, or name alone, at most 96 characters, no -- or ..)", id)
	}
	for _, p := range parts {
		if p == "" || !isWordChar(p[0]) || !isWordChar(p[len(p)-1]) || strings.IndexFunc(p, notNameRune) >= 0 {
			return fmt.Errorf("hub: %q is not a model id: each part has only letters, digits, '-', '_' and '.', and starts and ends with a letter, a digit or '_'", id)
		}
	}
	return nil
}

func validateRevision(rev string) error {
	if len(rev) > 255 {
		return fmt.Errorf("hub: revision %.40q... is longer than 255 characters", rev)
	}
	for _, p := range strings.Split(rev, "/") {
		if p == "" || p == "." || p == ".." || strings.IndexFunc(p, notNameRune) >= 0 {
			return fmt.Errorf("hub: %q is not a revision (a branch, tag or commit: letters, digits, '-', '_', '.' and '/')", rev)
		}
	}
	return nil
}

func isWordChar(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func notNameRune(r rune) bool { return r >= 0x80 || !isWordChar(byte(r)) && r != '-' && r != '.' }

// Pinned reports whether the revision is a full commit hash, whose files never change: a copy of
// them is as good as the Hub's.
func (r Repo) Pinned() bool { return isCommit(r.rev()) }

// isCommit reports whether rev is a full commit hash, which names files that never change.
func isCommit(rev string) bool {
	if len(rev) != 40 {
		return false
	}
	for i := range len(rev) {
		if c := rev[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Parse reads a model as a user gives it: an id ("org/name", "name"), or the address of its page on
// a Hub ("https://huggingface.co/org/name", ".../tree/<revision>"; a file's address, .../blob/<rev>/<file>
// or .../resolve/<rev>/<file>, names its repository at that revision). For an address it also returns
// the endpoint it names (scheme and host); for an id, endpoint is "". The revision is "" unless the
// address names one.
func Parse(s string) (repo Repo, endpoint string, err error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		repo = Repo{ID: s}
		return repo, "", repo.Validate()
	}
	u, err := url.Parse(s)
	if err != nil {
		return Repo{}, "", fmt.Errorf("hub: %q: %w", s, err)
	}
	if u.Host == "" || u.User != nil {
		return Repo{}, "", fmt.Errorf("hub: %q is not the address of a model on a Hub", s)
	}
	var parts []string
	for _, p := range strings.Split(strings.Trim(u.EscapedPath(), "/"), "/") {
		if p, err = url.PathUnescape(p); err != nil {
			return Repo{}, "", fmt.Errorf("hub: %q: %w", s, err)
		}
		parts = append(parts, p)
	}
	if len(parts) > 0 && (parts[0] == "datasets" || parts[0] == "spaces") {
		return Repo{}, "", fmt.Errorf("hub: %q is one of the Hub's %s, not a model", s, parts[0])
	}
	// A page below the repository's: org/name/tree/<rev>, or name/tree/<rev> for the oldest models.
	isPage := func(p string) bool { return p == "tree" || p == "blob" || p == "resolve" }
	switch {
	case len(parts) >= 4 && isPage(parts[2]):
		repo = Repo{ID: parts[0] + "/" + parts[1], Revision: parts[3]}
	case len(parts) == 3 && isPage(parts[1]):
		repo = Repo{ID: parts[0], Revision: parts[2]}
	case len(parts) == 1 || len(parts) == 2:
		repo = Repo{ID: strings.Join(parts, "/")}
	default:
		return Repo{}, "", fmt.Errorf("hub: %q is not the address of a model (want %s/org/name or %s/org/name/tree/<revision>)", s, DefaultEndpoint, DefaultEndpoint)
	}
	if err := repo.Validate(); err != nil {
		return Repo{}, "", fmt.Errorf("%w (in %q)", err, s)
	}
	return repo, u.Scheme + "://" + u.Host, nil
}

// ErrNotFound is what the errors of a file the repository does not have (a 404, or a file missing
// from the cache when offline) match with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrNeedsToken is what the errors of a refused request (401, 403) match with errors.Is.
var ErrNeedsToken = errors.New("needs a token")
