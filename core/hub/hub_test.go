package hub

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in       string
		want     Repo
		endpoint string
	}{
		{"gpt2", Repo{ID: "gpt2"}, ""},
		{"prajjwal1/bert-tiny", Repo{ID: "prajjwal1/bert-tiny"}, ""},
		{" distilbert/distilbert-base-uncased-finetuned-sst-2-english\n", Repo{ID: "distilbert/distilbert-base-uncased-finetuned-sst-2-english"}, ""},
		{"google/bert_uncased_L-2_H-128_A-2", Repo{ID: "google/bert_uncased_L-2_H-128_A-2"}, ""},
		{"https://huggingface.co/prajjwal1/bert-tiny", Repo{ID: "prajjwal1/bert-tiny"}, "https://huggingface.co"},
		{"https://huggingface.co/prajjwal1/bert-tiny/", Repo{ID: "prajjwal1/bert-tiny"}, "https://huggingface.co"},
		{"https://huggingface.co/prajjwal1/bert-tiny/tree/v1.0", Repo{ID: "prajjwal1/bert-tiny", Revision: "v1.0"}, "https://huggingface.co"},
		{"https://huggingface.co/gpt2", Repo{ID: "gpt2"}, "https://huggingface.co"},
		{"https://huggingface.co/gpt2/tree/main", Repo{ID: "gpt2", Revision: "main"}, "https://huggingface.co"},
		{"https://huggingface.co/org/name/blob/refs%2Fpr%2F1/config.json", Repo{ID: "org/name", Revision: "refs/pr/1"}, "https://huggingface.co"},
		{"https://huggingface.co/org/name/resolve/0123abc/sub/model.safetensors?download=true", Repo{ID: "org/name", Revision: "0123abc"}, "https://huggingface.co"},
		{"http://localhost:8080/org/name#readme", Repo{ID: "org/name"}, "http://localhost:8080"},
		{"https://hf-mirror.com/org/name", Repo{ID: "org/name"}, "https://hf-mirror.com"},
	} {
		got, endpoint, err := Parse(tc.in)
		if err != nil || got != tc.want || endpoint != tc.endpoint {
			t.Errorf("Parse(%q) = %+v, %q, %v; want %+v, %q", tc.in, got, endpoint, err, tc.want, tc.endpoint)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "not a model id"},
		{"a/b/c", "not a model id"},
		{"./model", "not a model id"},
		{"/abs/path", "not a model id"},
		{"../model", "not a model id"},
		{"org--x/y", "no -- or .."},
		{"org/a..b", "no -- or .."},
		{"-x/y", "starts and ends"},
		{"x/y-", "starts and ends"},
		{"x/y.", "starts and ends"},
		{"org/na me", "only letters"},
		{"orgé/x", "only letters"},
		{strings.Repeat("a", 97), "at most 96"},
		{"https://huggingface.co/datasets/glue", "not a model"},
		{"https://huggingface.co/spaces/org/app", "not a model"},
		{"https://huggingface.co/", "not a model id"},
		{"https://huggingface.co/a/b/c", "not the address of a model"},
		{"https://huggingface.co/org/name/tree/..", "not a revision"},
		{"https://huggingface.co/org/name/tree/a%2F%2Fb", "not a revision"},
		{"https://user:pw@huggingface.co/org/name", "not the address"},
		{"https:///org/name", "not the address"},
	} {
		if _, _, err := Parse(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q): error %v, want one saying %q", tc.in, err, tc.want)
		}
	}
}

func TestValidateRevision(t *testing.T) {
	for _, rev := range []string{"", "main", "v1.0", "refs/pr/1", "0123456789abcdef0123456789abcdef01234567", "release_2-b"} {
		if err := (Repo{ID: "org/name", Revision: rev}).Validate(); err != nil {
			t.Errorf("revision %q: %v", rev, err)
		}
	}
	for _, rev := range []string{"..", "a/../b", "/main", "main/", "a//b", "a b", "a\\b", "é", "a\x00", strings.Repeat("r", 256)} {
		if err := (Repo{ID: "org/name", Revision: rev}).Validate(); err == nil {
			t.Errorf("revision %q accepted", rev)
		}
	}
}

func TestURL(t *testing.T) {
	for _, tc := range []struct {
		client Client
		repo   Repo
		file   string
		want   string
	}{
		{Client{}, Repo{ID: "gpt2"}, "config.json", "https://huggingface.co/gpt2/resolve/main/config.json"},
		{Client{Endpoint: "http://mirror:9/"}, Repo{ID: "org/name", Revision: "refs/pr/1"}, "model.safetensors", "http://mirror:9/org/name/resolve/refs%2Fpr%2F1/model.safetensors"},
		{Client{}, Repo{ID: "org/name", Revision: "v1"}, "my file#1.txt", "https://huggingface.co/org/name/resolve/v1/my%20file%231.txt"},
	} {
		if got := tc.client.URL(tc.repo, tc.file); got != tc.want {
			t.Errorf("URL(%+v, %q) = %q, want %q", tc.repo, tc.file, got, tc.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	const home = "/home/u"
	defaults := Settings{Endpoint: DefaultEndpoint, CacheDir: "/home/u/.cache/huggingface/hub"}
	for _, tc := range []struct {
		env  map[string]string
		want Settings
	}{
		{nil, defaults},
		{map[string]string{"XDG_CACHE_HOME": "/xdg"}, Settings{Endpoint: DefaultEndpoint, CacheDir: "/xdg/huggingface/hub"}},
		{map[string]string{"HF_HOME": "/hf", "XDG_CACHE_HOME": "/xdg"}, Settings{Endpoint: DefaultEndpoint, CacheDir: "/hf/hub"}},
		{map[string]string{"HF_HOME": "~/hf"}, Settings{Endpoint: DefaultEndpoint, CacheDir: "/home/u/hf/hub"}},
		{map[string]string{"HF_HUB_CACHE": "/c", "HF_HOME": "/hf"}, Settings{Endpoint: DefaultEndpoint, CacheDir: "/c"}},
		{map[string]string{"HUGGINGFACE_HUB_CACHE": "/old"}, Settings{Endpoint: DefaultEndpoint, CacheDir: "/old"}},
		{map[string]string{"HF_HUB_CACHE": "/new", "HUGGINGFACE_HUB_CACHE": "/old"}, Settings{Endpoint: DefaultEndpoint, CacheDir: "/new"}},
		{map[string]string{"HF_ENDPOINT": "http://mirror:8080/"}, Settings{Endpoint: "http://mirror:8080", CacheDir: defaults.CacheDir}},
		{map[string]string{"HF_TOKEN": "hf_a", "HUGGING_FACE_HUB_TOKEN": "hf_b"}, Settings{Endpoint: DefaultEndpoint, CacheDir: defaults.CacheDir, Token: "hf_a"}},
		{map[string]string{"HUGGING_FACE_HUB_TOKEN": "hf_b"}, Settings{Endpoint: DefaultEndpoint, CacheDir: defaults.CacheDir, Token: "hf_b"}},
		{map[string]string{"HF_HUB_OFFLINE": "1"}, Settings{Endpoint: DefaultEndpoint, CacheDir: defaults.CacheDir, Offline: true}},
		{map[string]string{"HF_HUB_OFFLINE": "true"}, Settings{Endpoint: DefaultEndpoint, CacheDir: defaults.CacheDir, Offline: true}},
		{map[string]string{"HF_HUB_OFFLINE": "Yes"}, Settings{Endpoint: DefaultEndpoint, CacheDir: defaults.CacheDir, Offline: true}},
		{map[string]string{"HF_HUB_OFFLINE": "on"}, Settings{Endpoint: DefaultEndpoint, CacheDir: defaults.CacheDir, Offline: true}},
		{map[string]string{"HF_HUB_OFFLINE": "0"}, defaults},
		{map[string]string{"HF_HUB_OFFLINE": "2"}, defaults},
		{map[string]string{"TRANSFORMERS_OFFLINE": "1"}, Settings{Endpoint: DefaultEndpoint, CacheDir: defaults.CacheDir, Offline: true}},
		{map[string]string{"HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "1"}, defaults},
	} {
		got := FromEnv(func(k string) string { return tc.env[k] }, home)
		if got != tc.want {
			t.Errorf("FromEnv(%v) = %+v, want %+v", tc.env, got, tc.want)
		}
	}
}

func TestPinned(t *testing.T) {
	for _, tc := range []struct {
		rev  string
		want bool
	}{
		{"0123456789abcdef0123456789abcdef01234567", true},
		{"", false},
		{"main", false},
		{"0123456789abcdef0123456789abcdef0123456", false},  // 39 digits
		{"0123456789ABCDEF0123456789abcdef01234567", false}, // the Hub's hashes are lower case
		{"v1.0", false},
	} {
		if got := (Repo{ID: "org/name", Revision: tc.rev}).Pinned(); got != tc.want {
			t.Errorf("revision %q: Pinned() = %v, want %v", tc.rev, got, tc.want)
		}
	}
}
