package hub

import (
	"path/filepath"
	"strings"
)

// Settings are what huggingface_hub reads from the environment, with its names and defaults, so that
// a command run beside transformers reads the same Hub and the same cache.
type Settings struct {
	// Endpoint is HF_ENDPOINT without a trailing '/', default DefaultEndpoint.
	Endpoint string
	// CacheDir is HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE), default $HF_HOME/hub; HF_HOME
	// defaults to $XDG_CACHE_HOME/huggingface, and XDG_CACHE_HOME to ~/.cache.
	CacheDir string
	// Token is HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN).
	Token string
	// Offline is HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to 1, true, yes or on: nothing is
	// downloaded, the cache must hold every file.
	Offline bool
}

// FromEnv reads the settings through getenv (os.Getenv), with home the user's home directory for the
// default cache ("" leaves ~ unexpanded).
func FromEnv(getenv func(string) string, home string) Settings {
	either := func(names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	expand := func(p string) string {
		if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
			return filepath.Join(home, p[1:])
		}
		return p
	}
	s := Settings{
		Endpoint: strings.TrimRight(either("HF_ENDPOINT"), "/"),
		CacheDir: expand(either("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE")),
		Token:    either("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"),
	}
	if s.Endpoint == "" {
		s.Endpoint = DefaultEndpoint
	}
	if s.CacheDir == "" {
		hfHome := either("HF_HOME")
		if hfHome == "" {
			cache := either("XDG_CACHE_HOME")
			if cache == "" {
				cache = "~/.cache"
			}
			hfHome = filepath.Join(cache, "huggingface")
		}
		s.CacheDir = filepath.Join(expand(hfHome), "hub")
	}
	switch strings.ToUpper(either("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")) {
	case "1", "ON", "YES", "TRUE":
		s.Offline = true
	}
	return s
}
