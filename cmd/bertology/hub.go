package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"bertology/core/hub"
)

// modelSource is a command's model as transformers' from_pretrained takes it: a directory in Hugging
// Face's layout, or a Hub id ("org/name", "name", or the address of its page) read through the Hub
// cache that transformers shares, at a revision.
type modelSource struct {
	nameOrPath, revision, cacheDir string
}

// hubFlags registers --revision and --cache_dir, named as run_bertology.py and from_pretrained name
// them; the command registers its own --model flag (the model's nameOrPath).
func hubFlags(fs *flag.FlagSet, revision, cacheDir *string) {
	fs.StringVar(revision, "revision", "", "with a Hub id: the branch, tag or commit to read (default main)")
	fs.StringVar(cacheDir, "cache_dir", "", "with a Hub id: the Hub cache to download into and read from (default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)")
}

// dir returns the directory of the model: nameOrPath itself when it is a directory (a local directory
// wins over a Hub id, as in transformers), else the snapshot in the Hub cache of the id it names, after
// downloading what the cache lacks of what (the model, or only its tokenizer's files). The Hub and the
// cache are those the environment names (HF_ENDPOINT, HF_HUB_CACHE, HF_HOME, HF_TOKEN), and with
// HF_HUB_OFFLINE=1 nothing is downloaded. Download progress goes to stderr.
func (s modelSource) dir(what hub.What, stderr io.Writer) (string, error) {
	if s.nameOrPath == "" {
		return "", errors.New("no model given")
	}
	st, err := os.Stat(s.nameOrPath)
	if err == nil {
		if !st.IsDir() {
			return "", fmt.Errorf("%s is a file, not a model directory", s.nameOrPath)
		}
		return s.nameOrPath, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	repo, endpoint, err := hub.Parse(s.nameOrPath)
	if err != nil {
		return "", fmt.Errorf("%s: no such directory, and not a Hub model id: %w", s.nameOrPath, err)
	}
	if s.revision != "" {
		repo.Revision = s.revision
	}
	home, _ := os.UserHomeDir()
	env := hub.FromEnv(os.Getenv, home)
	if endpoint == "" {
		endpoint = env.Endpoint
	}
	cache := hub.Cache{Dir: env.CacheDir}
	if s.cacheDir != "" {
		cache.Dir = s.cacheDir
	}
	var client *hub.Client
	if !env.Offline {
		client = &hub.Client{Endpoint: endpoint, Token: env.Token}
	}
	dir, _, err := cache.Snapshot(context.Background(), client, repo, what, bar(stderr, "downloading"))
	if err != nil {
		return "", fmt.Errorf("%s is not a directory; as a Hub model id: %w", s.nameOrPath, err)
	}
	return dir, nil
}
