package lab

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"bertology/core/hub"
	"bertology/wasm/protocol"
)

// hubModel is a model on a Hub as a request names it: the Hub's client and the repository's revision.
type hubModel struct {
	client *hub.Client
	repo   hub.Repo
}

// hubModelOf reads a request's model: an id, or the address of its page on a Hub, which names the Hub
// and may name a revision; the request's revision and endpoint, when given, are used where the address
// names none.
func hubModelOf(req *protocol.HubRequest) (hubModel, error) {
	repo, endpoint, err := hub.Parse(req.Model)
	if err != nil {
		return hubModel{}, err
	}
	if req.Revision != "" && repo.Revision == "" {
		repo.Revision = strings.TrimSpace(req.Revision)
	}
	if repo.Revision == "" {
		repo.Revision = hub.DefaultRevision
	}
	if err := repo.Validate(); err != nil {
		return hubModel{}, err
	}
	if endpoint == "" {
		endpoint = strings.TrimRight(strings.TrimSpace(req.Endpoint), "/")
	}
	if endpoint == "" {
		endpoint = hub.DefaultEndpoint
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return hubModel{}, fmt.Errorf("endpoint %q is not the address of a Hub (want https://host, or a mirror's address)", endpoint)
	}
	return hubModel{client: &hub.Client{Endpoint: endpoint, Token: req.Token, Transport: hostTransport()}, repo: repo}, nil
}

// entry is what the lab says of the model at commit, with files.
func (h hubModel) entry(commit string, files map[string][]byte) protocol.HubModel {
	m := protocol.HubModel{Endpoint: h.client.Endpoint, ID: h.repo.ID, Revision: h.repo.Revision, Commit: commit,
		Files: slices.Sorted(maps.Keys(files))}
	for _, b := range files {
		m.Bytes += len(b)
	}
	return m
}

// LoadHubModel loads a model from a Hub: from the kept copy when the request names a commit that the
// lab keeps (which needs no network), else downloaded, and then kept.
func (l *Lab) LoadHubModel(ctx context.Context, req *protocol.HubRequest, report Reporter) (*protocol.HubModelInfo, error) {
	h, err := hubModelOf(req)
	if err != nil {
		return nil, err
	}
	res := &protocol.HubModelInfo{}
	var files map[string][]byte
	s := l.store()
	if s != nil && h.repo.Pinned() {
		files, res.Hub, res.FromKept, err = openKept(s, h.entry(h.repo.Revision, nil))
		if err != nil {
			return nil, err
		}
	}
	if !res.FromKept {
		var commit string
		if files, commit, err = h.client.Files(ctx, h.repo, hub.Model, downloads(report)); err != nil {
			return nil, err
		}
		res.Hub = h.entry(commit, files)
	}
	info, err := l.LoadModel(ctx, &protocol.LoadModelRequest{Files: files, Name: h.repo.ID}, report)
	if err != nil {
		return nil, err
	}
	res.Model = *info
	if s != nil && !res.FromKept {
		if err := keep(s, &res.Hub, files, time.Now()); err != nil {
			res.KeepError = err.Error()
		}
	}
	return res, nil
}

// HubFiles downloads the files of a model on a Hub, those transformers reads, without loading them.
func (l *Lab) HubFiles(ctx context.Context, req *protocol.HubRequest, report Reporter) (*protocol.HubFiles, error) {
	h, err := hubModelOf(req)
	if err != nil {
		return nil, err
	}
	files, commit, err := h.client.Files(ctx, h.repo, hub.Model, downloads(report))
	if err != nil {
		return nil, err
	}
	return &protocol.HubFiles{Files: files, Commit: commit}, nil
}
