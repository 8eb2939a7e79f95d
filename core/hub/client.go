package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"bertology/core/progress"
)

// Client reads files of model repositories from a Hub.
type Client struct {
	// Endpoint is the Hub's address, e.g. DefaultEndpoint or a mirror; "" means DefaultEndpoint.
	Endpoint string
	// Token, when not empty, goes with every request as "Authorization: Bearer <token>". It is what
	// private and gated repositories need.
	Token string
	// HTTP sends the requests; nil means http.DefaultClient. The client's redirect policy is replaced
	// by the Hub's (see Info).
	HTTP *http.Client
	// Transport, when not nil, sends the requests instead of HTTP, and follows redirects itself, as the
	// browser's fetch does: only the final answer is seen, which is enough for Files (the Hub names the
	// commit in its answers for small files, config.json first) but not for Info and Cache, which need
	// what the Hub says before it redirects to storage. It is what js/wasm has: there, this package sends
	// nothing through an http.Client, whose transport would make the module 5 MB larger.
	Transport http.RoundTripper
}

// FileInfo is what the Hub says of one file at a revision.
type FileInfo struct {
	// Commit is the commit the revision resolved to (the X-Repo-Commit header).
	Commit string
	// ETag names the file's contents: X-Linked-Etag, which the Hub sends for files kept in LFS (their
	// sha256) before redirecting to the storage that holds them, else ETag (git's hash of a small file),
	// without the quotes or the W/ prefix. It is the file's name in the cache's blobs/.
	ETag string
	// Size is the file's length in bytes (X-Linked-Size, else Content-Length), -1 when not said.
	Size int64
}

// URL returns the address of file in repo: {endpoint}/{id}/resolve/{revision}/{file}, the revision
// escaped as one path segment (refs/pr/1 → refs%2Fpr%2F1), as huggingface_hub's hf_hub_url does.
func (c *Client) URL(repo Repo, file string) string {
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	return strings.TrimRight(endpoint, "/") + "/" + repo.ID + "/resolve/" + url.PathEscape(repo.rev()) + "/" + (&url.URL{Path: file}).EscapedPath()
}

// Info asks the Hub about file without downloading it (a HEAD request). It follows the redirects of a
// renamed repository but stops at the first answer that names a commit: that one holds the file's
// ETag, where the redirect it may carry leads to storage that knows nothing of the repository.
func (c *Client) Info(ctx context.Context, repo Repo, file string) (FileInfo, error) {
	resp, info, err := c.do(ctx, http.MethodHead, repo, file)
	if err != nil {
		return FileInfo{}, err
	}
	resp.Body.Close()
	if info.Commit == "" || info.ETag == "" {
		return FileInfo{}, fmt.Errorf("hub: %s: the answer has no X-Repo-Commit or ETag header: is %s a Hugging Face Hub?", c.URL(repo, file), c.endpoint())
	}
	return info, nil
}

// Download writes file to w, following redirects to wherever the Hub keeps it, and reports the bytes
// written to report as Done of Total (the file's size, or Done itself when the Hub does not say it)
// with Phase the file's name. It returns what the Hub said of the file; Commit and ETag are empty when
// it said nothing (as a plain static server does not).
func (c *Client) Download(ctx context.Context, repo Repo, file string, w io.Writer, report progress.Func) (FileInfo, error) {
	resp, info, err := c.do(ctx, http.MethodGet, repo, file)
	if err != nil {
		return FileInfo{}, err
	}
	defer resp.Body.Close()
	if resp.ContentLength >= 0 {
		info.Size = resp.ContentLength
	}
	report = report.Phase(file)
	n, err := io.Copy(w, progress.Reader(ctx, resp.Body, info.Size, report))
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return FileInfo{}, fmt.Errorf("hub: %s: after %d bytes: %w", c.URL(repo, file), n, err)
	}
	if info.Size >= 0 && n != info.Size {
		return FileInfo{}, fmt.Errorf("hub: %s: %d bytes, the Hub said %d", c.URL(repo, file), n, info.Size)
	}
	if info.Size < 0 {
		info.Size = n
		report.Send(progress.Report{Done: int(n), Total: int(n)})
	}
	return info, nil
}

// do sends one request for file and returns the final answer, which is a success (2xx), and what the
// Hub said of the file in the first answer that names a commit (else in the final one). Errors say
// what the status means: ErrNotFound for 404, ErrNeedsToken for 401 and 403.
func (c *Client) do(ctx context.Context, method string, repo Repo, file string) (*http.Response, FileInfo, error) {
	if err := repo.Validate(); err != nil {
		return nil, FileInfo{}, err
	}
	address := c.URL(repo, file)
	req, err := http.NewRequestWithContext(ctx, method, address, nil)
	if err != nil {
		return nil, FileInfo{}, fmt.Errorf("hub: %w", err)
	}
	// The sizes the Hub sends are those of the files, not of a compressed answer.
	req.Header.Set("Accept-Encoding", "identity")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	var resp *http.Response
	var hubInfo *FileInfo
	switch {
	case c.Transport != nil:
		resp, err = c.Transport.RoundTrip(req)
	case sendHTTP != nil:
		resp, hubInfo, err = sendHTTP(c.HTTP, req)
	default:
		return nil, FileInfo{}, errors.New("hub: this build sends requests only through Client.Transport, which is not set")
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, FileInfo{}, fmt.Errorf("hub: %s: %w", address, ctx.Err())
		}
		return nil, FileInfo{}, fmt.Errorf("hub: %w", err)
	}
	if hubInfo == nil {
		i := fileInfo(resp)
		hubInfo = &i
	}
	if resp.StatusCode/100 == 2 || method == http.MethodHead && resp.StatusCode/100 == 3 {
		return resp, *hubInfo, nil
	}
	defer resp.Body.Close()
	return nil, FileInfo{}, c.statusError(address, resp)
}

// sendWithClient sends req through client (nil: http.DefaultClient) with the Hub's redirect policy:
// it follows the redirects of a renamed repository, and returns what the Hub said of the file in the
// first answer that names a commit, where it stops for a HEAD request.
func sendWithClient(client *http.Client, req *http.Request) (*http.Response, *FileInfo, error) {
	var hubInfo *FileInfo
	c := http.Client{}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if hubInfo == nil && next.Response != nil && next.Response.Header.Get("X-Repo-Commit") != "" {
			i := fileInfo(next.Response)
			hubInfo = &i
			if req.Method == http.MethodHead {
				return http.ErrUseLastResponse
			}
		}
		return nil
	}
	resp, err := c.Do(req)
	return resp, hubInfo, err
}

func fileInfo(resp *http.Response) FileInfo {
	h := resp.Header
	etag := h.Get("X-Linked-Etag")
	if etag == "" {
		etag = h.Get("ETag")
	}
	size := int64(-1)
	if s := h.Get("X-Linked-Size"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
			size = n
		}
	} else if resp.StatusCode/100 == 2 && resp.ContentLength >= 0 {
		size = resp.ContentLength
	}
	return FileInfo{Commit: h.Get("X-Repo-Commit"), ETag: strings.Trim(strings.TrimPrefix(etag, "W/"), `"`), Size: size}
}

// StatusError is an answer of the Hub that is not the file asked for.
type StatusError struct {
	URL    string
	Status int
	// Code and Message are the Hub's X-Error-Code (EntryNotFound, RevisionNotFound, RepoNotFound,
	// GatedRepo) and X-Error-Message, when it sent them.
	Code, Message string
	// WithToken says whether the request carried a token.
	WithToken bool
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("hub: %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
	if e.Code != "" || e.Message != "" {
		s += " (" + strings.TrimPrefix(e.Code+": "+e.Message, ": ") + ")"
	}
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		if e.WithToken {
			return s + ": the token in HF_TOKEN may not read this repository (or it does not exist; a gated one must be accepted on its page first)"
		}
		return s + ": the repository is private or gated (or does not exist): set HF_TOKEN to a token that may read it"
	case e.Status == http.StatusNotFound && e.Code == "RevisionNotFound":
		return s + ": no such revision"
	case e.Status == http.StatusNotFound && e.Code == "RepoNotFound":
		return s + ": no such repository"
	}
	return s
}

// Is makes a 404 match ErrNotFound and a 401 or 403 match ErrNeedsToken.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrNeedsToken:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	}
	return false
}

// missingFile reports whether err says only that the repository lacks the file (not the revision or
// the repository itself), which for an optional file is no error.
func missingFile(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusNotFound && se.Code != "RevisionNotFound" && se.Code != "RepoNotFound"
	}
	return errors.Is(err, ErrNotFound)
}

func (c *Client) statusError(address string, resp *http.Response) error {
	msg := resp.Header.Get("X-Error-Message")
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return &StatusError{URL: address, Status: resp.StatusCode, Code: resp.Header.Get("X-Error-Code"), Message: msg, WithToken: c.Token != ""}
}

func (c *Client) endpoint() string {
	if c.Endpoint == "" {
		return DefaultEndpoint
	}
	return c.Endpoint
}
