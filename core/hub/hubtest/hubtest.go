// Package hubtest is a Hugging Face Hub for tests, on net/http/httptest: repositories held in memory,
// served with the Hub's URL scheme, redirects, headers and errors, so that tests of downloading never
// touch the network.
//
//	GET|HEAD /{id}/resolve/{revision}/{file}
//	  a small file:        200, ETag "<git blob sha1>", X-Repo-Commit
//	  a weight file (LFS): 302 to /blobs/{sha256}, X-Linked-Etag "<sha256>", X-Linked-Size, X-Repo-Commit,
//	                       and an ETag of its own that names something else
//	  no such file:        404, X-Error-Code: EntryNotFound (with X-Repo-Commit)
//	  no such revision:    404, X-Error-Code: RevisionNotFound
//	  no such repository, or a private one without its token:
//	                       401, X-Error-Code: RepoNotFound
//	GET|HEAD /blobs/{sha256}: the file, with an ETag that is not its sha256 (as a storage's is not)
//
// Every answer carries CORS headers that expose the Hub's headers, as the Hub's do.
package hubtest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Repo is one revision of a repository the server holds.
type Repo struct {
	ID string
	// Revision is the branch or tag; "" means main. The server also answers for the revision's commit.
	Revision string
	// Files are the repository's files by name.
	Files map[string][]byte
	// Token, when not empty, makes the repository private: requests need "Authorization: Bearer <Token>".
	Token string
}

// Request is a request the server received.
type Request struct {
	Method, Path, Authorization string
}

// Server is a Hub.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	repos    map[[2]string]*Repo // by id and revision, and by id and commit
	commits  map[*Repo]string
	blobs    map[string][]byte // by sha256
	requests []Request
}

// NewServer starts a Hub holding repos; it is closed when the test ends.
func NewServer(t testing.TB, repos ...Repo) *Server {
	s := &Server{repos: map[[2]string]*Repo{}, commits: map[*Repo]string{}, blobs: map[string][]byte{}}
	for i := range repos {
		r := &repos[i]
		if r.Revision == "" {
			r.Revision = "main"
		}
		commit := commitOf(r)
		s.repos[[2]string{r.ID, r.Revision}] = r
		s.repos[[2]string{r.ID, commit}] = r
		s.commits[r] = commit
		for _, b := range r.Files {
			s.blobs[SHA256(b)] = b
		}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// ReadDir returns the regular files of dir by name, as a Repo's Files.
func ReadDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[e.Name()] = b
		}
	}
	return files
}

// Commit returns the commit the server gives the revision of repository id ("" for main).
func (s *Server) Commit(id, revision string) string {
	if revision == "" {
		revision = "main"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits[s.repos[[2]string{id, revision}]]
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ReplaceBlob makes /blobs/{sha} serve b instead of the file whose sha256 is sha: a storage that
// serves something else than what the Hub said.
func (s *Server) ReplaceBlob(sha string, b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobs[sha] = b
}

// IsLFS reports whether the server keeps file in LFS (and so redirects to its blob): the weight files.
func IsLFS(file string) bool {
	for _, ext := range []string{".safetensors", ".bin", ".h5", ".msgpack", ".ot", ".onnx"} {
		if strings.HasSuffix(file, ext) {
			return true
		}
	}
	return false
}

// SHA256 returns the hex sha256 of b: an LFS file's ETag and its blob's name in the cache.
func SHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// GitSHA1 returns git's blob hash of b: a small file's ETag and its blob's name in the cache.
func GitSHA1(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// ETag returns the name the cache gives file: its sha256 if it is kept in LFS, else its git hash.
func ETag(file string, b []byte) string {
	if IsLFS(file) {
		return SHA256(b)
	}
	return GitSHA1(b)
}

func commitOf(r *Repo) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s\x00%s\x00", r.ID, r.Revision)
	for _, name := range slices.Sorted(maps.Keys(r.Files)) {
		fmt.Fprintf(h, "%s\x00%s\x00", name, GitSHA1(r.Files[name]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

var modTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Authorization: r.Header.Get("Authorization")})
	s.mu.Unlock()
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "X-Repo-Commit, X-Linked-Etag, X-Linked-Size, ETag, Content-Length, Content-Range, X-Error-Code, X-Error-Message")
	switch r.Method {
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Headers", "Authorization, Range, Content-Type")
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet, http.MethodHead:
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if sha, ok := strings.CutPrefix(r.URL.Path, "/blobs/"); ok {
		s.mu.Lock()
		b, ok := s.blobs[sha]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		sum := md5.Sum(b)
		h.Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		http.ServeContent(w, r, "", modTime, bytes.NewReader(b))
		return
	}
	id, rev, file, ok := parseResolve(r.URL.EscapedPath())
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	repo := s.repos[[2]string{id, rev}]
	known := repo != nil
	if !known {
		for k := range s.repos {
			known = known || k[0] == id
		}
	}
	commit := s.commits[repo]
	s.mu.Unlock()
	fail := func(status int, code, msg string) {
		h.Set("X-Error-Code", code)
		h.Set("X-Error-Message", msg)
		http.Error(w, msg, status)
	}
	switch {
	case !known:
		fail(http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return
	case repo == nil:
		fail(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	case repo.Token != "" && r.Header.Get("Authorization") == "":
		fail(http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return
	case repo.Token != "" && r.Header.Get("Authorization") != "Bearer "+repo.Token:
		fail(http.StatusUnauthorized, "", "Invalid credentials in Authorization header")
		return
	}
	h.Set("X-Repo-Commit", commit)
	b, ok := repo.Files[file]
	if !ok {
		fail(http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	if IsLFS(file) {
		sha := SHA256(b)
		h.Set("X-Linked-Etag", `"`+sha+`"`)
		h.Set("X-Linked-Size", fmt.Sprint(len(b)))
		h.Set("ETag", `"`+GitSHA1([]byte("version https://git-lfs.github.com/spec/v1\noid sha256:"+sha+"\n"))+`"`)
		h.Set("Location", "/blobs/"+sha)
		w.WriteHeader(http.StatusFound)
		return
	}
	h.Set("ETag", `"`+GitSHA1(b)+`"`)
	http.ServeContent(w, r, "", modTime, bytes.NewReader(b))
}

// parseResolve splits /{id}/resolve/{revision}/{file}, with an id of one or two parts, each path
// segment unescaped (a revision refs%2Fpr%2F1 is refs/pr/1).
func parseResolve(escaped string) (id, rev, file string, ok bool) {
	parts := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return "", "", "", false
		}
		parts[i] = u
	}
	for n := 1; n <= 2; n++ {
		if len(parts) >= n+3 && parts[n] == "resolve" {
			return strings.Join(parts[:n], "/"), parts[n+1], strings.Join(parts[n+2:], "/"), true
		}
	}
	return "", "", "", false
}
