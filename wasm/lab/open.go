package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"bertology/core/checkpoint"
	"bertology/core/progress"
	"bertology/wasm/protocol"
)

// The lab opens model directories by address: a URL (LoadModelURL), the files a user picked
// (LoadModelRequest's URLs) and a Hub's repositories (hubmodel.go). It asks for each file by name, as
// checkpoint.Discover finds them, through the host's fetch (hostTransport), so that there is one list of
// the files a model needs, and it is transformers'.

// LoadModelURL opens the model directory at req.URL.
func (l *Lab) LoadModelURL(ctx context.Context, req *protocol.LoadModelURLRequest, report Reporter) (*protocol.ModelInfo, error) {
	if strings.TrimSpace(req.URL) == "" {
		return nil, errors.New("url: want the URL of a model directory (the folder holding config.json)")
	}
	base := req.URL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	address := func(name string) string { return base + (&url.URL{Path: name}).EscapedPath() }
	listed := req.Files
	if len(listed) == 0 {
		var err error
		if listed, err = listedFiles(ctx, address("files.json")); err != nil {
			return nil, err
		}
	}
	files, err := fetchFiles(ctx, listed, func(name string) (string, error) {
		if listed != nil && !slices.Contains(listed, name) {
			return "", fmt.Errorf("%s is not among the directory's files: %w", name, fs.ErrNotExist)
		}
		return address(name), nil
	}, report)
	if errors.Is(err, checkpoint.ErrNoConfig) {
		return nil, fmt.Errorf("%s could not be fetched", address("config.json"))
	}
	if err != nil {
		return nil, err
	}
	return l.LoadModel(ctx, &protocol.LoadModelRequest{Files: files, Name: req.URL}, report)
}

// listedFiles reads a model directory's files.json, a JSON array of its files' names; nil when the
// directory has none.
func listedFiles(ctx context.Context, address string) ([]string, error) {
	b, err := fetch(ctx, address, nil)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of the directory's file names: %w", address, err)
	}
	return names, nil
}

// pickedFiles fetches the files of a directory a user picked, given by name with the address each is
// fetched from (the blob: URLs the page's worker makes of them), that Discover finds.
func pickedFiles(ctx context.Context, urls map[string]string, report Reporter) (map[string][]byte, error) {
	files, err := fetchFiles(ctx, slices.Collect(maps.Keys(urls)), func(name string) (string, error) {
		if u, ok := urls[name]; ok {
			return u, nil
		}
		return "", fmt.Errorf("%s is not among the picked files: %w", name, fs.ErrNotExist)
	}, report)
	if errors.Is(err, checkpoint.ErrNoConfig) {
		return nil, fmt.Errorf("none of the picked files (%s) is config.json, which every model directory has (or a llama2.c model: its .bin and tokenizer.bin or tok512.bin)", strings.Join(slices.Sorted(maps.Keys(urls)), ", "))
	}
	return files, err
}

// fetchFiles fetches the files of a model directory that checkpoint.Discover finds, each from the
// address that at gives its name; at's error, which wraps fs.ErrNotExist, says that the directory
// has no such file. listed are the directory's file names when known (nil when not), among which a
// llama2.c checkpoint is found whatever its name (checkpoint.DiscoverListed).
func fetchFiles(ctx context.Context, listed []string, at func(name string) (string, error), report Reporter) (map[string][]byte, error) {
	return checkpoint.ReadListedFiles(listed, func(name string) ([]byte, error) {
		address, err := at(name)
		if err != nil {
			return nil, err
		}
		return fetch(ctx, address, downloads(report).Phase(name))
	}, true)
}

// fetch gets the file at address through the host's fetch, reporting its bytes to report. A 404 is an
// error that wraps fs.ErrNotExist: the directory lacks the file, which for an optional one is no
// error.
func fetch(ctx context.Context, address string, report progress.Func) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hostTransport().RoundTrip(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("fetching %s: %w", address, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s: %s: %w", address, resp.Status, fs.ErrNotExist)
	case resp.StatusCode/100 != 2:
		return nil, fmt.Errorf("%s: %s", address, resp.Status)
	}
	b, err := io.ReadAll(progress.Reader(ctx, resp.Body, resp.ContentLength, report))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s: after %d bytes: %w", address, len(b), err)
	}
	if resp.ContentLength >= 0 && int64(len(b)) != resp.ContentLength {
		return nil, fmt.Errorf("%s: %d bytes, the server said %d", address, len(b), resp.ContentLength)
	}
	return b, nil
}

// downloads adapts the lab's reporter to the byte counts of downloads, throttled as every count is.
func downloads(report Reporter) progress.Func {
	return throttled(func(p protocol.Progress) {
		p.Unit = "bytes"
		report(p)
	})
}
