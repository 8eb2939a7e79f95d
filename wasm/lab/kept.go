package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"bertology/core/checkpoint"
	"bertology/core/hub"
	"bertology/wasm/protocol"
)

// Store keeps bytes by key, as the browser's Cache Storage keeps answers by URL: where the lab keeps
// the models it downloads from a Hub, so that they open again offline. The page's worker gives the
// lab one (public/kept.js, as globalThis.bertologyKept); without one, nothing is kept.
type Store interface {
	Put(key string, data []byte) error
	// Get returns what is kept under key, or an error that wraps fs.ErrNotExist.
	Get(key string) ([]byte, error)
	Keys() ([]string, error)
	Delete(key string) error
}

// KeepIn makes the lab keep the models it downloads in s instead of the host's store.
func (l *Lab) KeepIn(s Store) { l.kept = s }

// store is where the lab keeps models: the one KeepIn gave, else the host's; nil for none.
func (l *Lab) store() Store {
	if l.kept != nil {
		return l.kept
	}
	return hostStore()
}

// A kept model is its files, each under its address on the Hub at the commit
// ({endpoint}/{id}/resolve/{commit}/{file}), and its entry, a HubModel as JSON under the address of the
// commit's directory ({endpoint}/{id}/resolve/{commit}/). The entry is written after the files and
// deleted before them, so that a model half kept or half deleted is not listed.

// keptKey is the key of a kept model's file, or of its entry when file is "".
func keptKey(m protocol.HubModel, file string) string {
	return (&hub.Client{Endpoint: m.Endpoint}).URL(hub.Repo{ID: m.ID, Revision: m.Commit}, file)
}

// keep keeps the files of m, which the lab downloaded at m.Commit, and sets m.KeptAt.
func keep(s Store, m *protocol.HubModel, files map[string][]byte, now time.Time) error {
	if !(hub.Repo{ID: m.ID, Revision: m.Commit}).Pinned() {
		return fmt.Errorf("the Hub named no commit of %s (X-Repo-Commit), so its files cannot be kept as one commit's", m.ID)
	}
	for _, name := range m.Files {
		if err := s.Put(keptKey(*m, name), files[name]); err != nil {
			deleteKept(s, *m)
			return fmt.Errorf("keeping %s: %w", name, err)
		}
	}
	m.KeptAt = now.UTC().Format(time.RFC3339)
	entry, err := json.Marshal(protocol.Encode(m))
	if err != nil {
		return err
	}
	if err := s.Put(keptKey(*m, ""), entry); err != nil {
		m.KeptAt = ""
		deleteKept(s, *m)
		return fmt.Errorf("keeping %s: %w", m.ID, err)
	}
	return nil
}

// openKept reads the files of the kept model at commit m.Commit, those checkpoint.Discover finds. It
// returns its entry, and ok false when the model is not kept.
func openKept(s Store, m protocol.HubModel) (files map[string][]byte, kept protocol.HubModel, ok bool, err error) {
	kept, err = keptEntry(s, keptKey(m, ""))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, kept, false, nil
	}
	if err != nil {
		return nil, kept, false, err
	}
	files, err = checkpoint.ReadFiles(func(name string) ([]byte, error) {
		if !slices.Contains(kept.Files, name) {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		b, err := s.Get(keptKey(kept, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("the kept copy of %s at %s has lost %s: delete it and download it again", kept.ID, kept.Commit, name)
		}
		return b, err
	}, true)
	if err != nil {
		return nil, kept, false, err
	}
	return files, kept, true, nil
}

// keptEntry reads the entry of a kept model.
func keptEntry(s Store, key string) (protocol.HubModel, error) {
	var m protocol.HubModel
	b, err := s.Get(key)
	if err != nil {
		return m, err
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return m, fmt.Errorf("the kept entry %s: %w", key, err)
	}
	if err := protocol.Decode(tree, &m); err != nil {
		return m, fmt.Errorf("the kept entry %s: %w", key, err)
	}
	return m, nil
}

// listKept returns the kept models, the one kept last first.
func listKept(s Store) ([]protocol.HubModel, error) {
	keys, err := s.Keys()
	if err != nil {
		return nil, err
	}
	models := []protocol.HubModel{}
	for _, key := range keys {
		if !strings.HasSuffix(key, "/") {
			continue
		}
		m, err := keptEntry(s, key)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		models = append(models, m)
	}
	slices.SortStableFunc(models, func(a, b protocol.HubModel) int { return strings.Compare(b.KeptAt, a.KeptAt) })
	return models, nil
}

// deleteKept deletes a kept model: its entry, then every file kept under its commit's address (those
// its entry lists, and any that a failed keep left).
func deleteKept(s Store, m protocol.HubModel) error {
	dir := keptKey(m, "")
	if err := s.Delete(dir); err != nil {
		return err
	}
	keys, err := s.Keys()
	if err != nil {
		return err
	}
	for _, key := range keys {
		if strings.HasPrefix(key, dir) {
			if err := s.Delete(key); err != nil {
				return err
			}
		}
	}
	return nil
}

// KeptModels lists the models the lab keeps.
func (l *Lab) KeptModels() (*protocol.KeptModels, error) {
	s := l.store()
	if s == nil {
		return &protocol.KeptModels{Models: []protocol.HubModel{}, Unavailable: "this host keeps no models"}, nil
	}
	models, err := listKept(s)
	if err != nil {
		return &protocol.KeptModels{Models: []protocol.HubModel{}, Unavailable: err.Error()}, nil
	}
	return &protocol.KeptModels{Models: models}, nil
}

// DeleteKeptModel deletes a kept model, and lists those left.
func (l *Lab) DeleteKeptModel(req *protocol.DeleteKeptModelRequest) (*protocol.KeptModels, error) {
	s := l.store()
	if s == nil {
		return nil, errors.New("this host keeps no models")
	}
	m := protocol.HubModel{Endpoint: req.Endpoint, ID: req.Model, Commit: req.Commit}
	if repo := (hub.Repo{ID: m.ID, Revision: m.Commit}); repo.Validate() != nil || !repo.Pinned() {
		return nil, fmt.Errorf("no kept model is %s at %q (want an id and a commit hash)", req.Model, req.Commit)
	}
	if _, err := keptEntry(s, keptKey(m, "")); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s at %s from %s is not kept", req.Model, req.Commit, req.Endpoint)
	}
	if err := deleteKept(s, m); err != nil {
		return nil, err
	}
	return l.KeptModels()
}
