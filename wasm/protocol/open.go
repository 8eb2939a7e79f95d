package protocol

// Opening a model by its address: a model directory's URL, or an id on a Hugging Face Hub. The lab
// asks for the files it needs by name, in transformers' order (checkpoint.Discover, the one
// discovery), through the host's fetch, and keeps what it downloads from a Hub so that it opens again
// offline.
const (
	OpLoadModelURL    = "loadModelURL"    // LoadModelURLRequest → ModelInfo
	OpLoadHubModel    = "loadHubModel"    // HubRequest → HubModelInfo
	OpHubFiles        = "hubFiles"        // HubRequest → HubFiles
	OpKeptModels      = "keptModels"      // no fields → KeptModels
	OpDeleteKeptModel = "deleteKeptModel" // DeleteKeptModelRequest → KeptModels
)

// LoadModelURLRequest opens the model directory at URL (relative URLs are the host's: the page's
// site). Files, when given, are the directory's files, and other names are missing without a request;
// else the directory's files.json, when it has one (a JSON array of names, as build.sh writes for the
// page's default model), lists them.
type LoadModelURLRequest struct {
	URL   string   `js:"url"`
	Files []string `js:"files"`
}

// HubRequest names a model on a Hub.
type HubRequest struct {
	// Model is an id ("org/name", or "name" alone for the oldest models), or the address of the model's
	// page on a Hub (https://huggingface.co/org/name, .../tree/<revision>), which also names the Hub.
	Model string `js:"model"`
	// Revision is a branch, a tag or a commit, for a Model whose address names none; "" is main.
	Revision string `js:"revision"`
	// Endpoint is the Hub's address (a mirror's), for a Model that is an id; "" is
	// https://huggingface.co.
	Endpoint string `js:"endpoint"`
	// Token, when not empty, is sent to the Hub as the bearer of every request (a private repository).
	Token string `js:"token"`
}

// HubModel names one commit of a model on a Hub, and says what of it the lab keeps.
type HubModel struct {
	Endpoint string `js:"endpoint"`
	ID       string `js:"id"`
	Revision string `js:"revision"` // the revision asked for ("main"), which was at Commit
	Commit   string `js:"commit"`
	// Files are the model's files, those the lab downloaded, by name; Bytes their size.
	Files []string `js:"files"`
	Bytes int      `js:"bytes"`
	// KeptAt is when the model was kept for opening offline (RFC 3339); "" when it is not kept.
	KeptAt string `js:"keptAt"`
}

// HubModelInfo is a model loaded from a Hub.
type HubModelInfo struct {
	Model ModelInfo `js:"model"`
	Hub   HubModel  `js:"hub"`
	// FromKept says the files came from the kept copy, without the network: a request at a commit the
	// lab keeps.
	FromKept bool `js:"fromKept"`
	// KeepError says why the downloaded files could not be kept (the browser's storage is full, or
	// the page is not a secure context); "" when they were, or came from the kept copy.
	KeepError string `js:"keepError"`
}

// HubFiles are the files of a model on a Hub, those transformers reads, downloaded in the form
// LoadModelRequest takes, and the commit they are from ("" when the Hub named none).
type HubFiles struct {
	Files  map[string][]byte `js:"files"`
	Commit string            `js:"commit"`
}

// KeptModels lists the models the lab keeps, the one kept last first.
type KeptModels struct {
	Models []HubModel `js:"models"`
	// Unavailable says why this host keeps no models (no storage, or none the page may use); "" when it
	// does.
	Unavailable string `js:"unavailable"`
}

// DeleteKeptModelRequest names a kept model by its Hub, its id (Model, since a request's id is its
// number) and its commit.
type DeleteKeptModelRequest struct {
	Endpoint string `js:"endpoint"`
	Model    string `js:"model"`
	Commit   string `js:"commit"`
}
