package protocol

// OpQueries is the neuron view's op.
const OpQueries = "queries" // QueriesRequest → QueriesResult

// QueriesRequest asks for one head's query and key vectors on one input, given as ForwardRequest's
// (Text and Pair, or IDs and TypeIDs). Head is numbered as in the unpruned model and must be one the
// layer keeps.
type QueriesRequest struct {
	Text     string  `js:"text"`
	Pair     string  `js:"pair"`
	Truncate bool    `js:"truncate"`
	IDs      []int32 `js:"ids"`
	TypeIDs  []int32 `js:"typeIds"`
	// HeadMask is ForwardRequest's; it changes the later layers' queries and keys, not this head's scores.
	HeadMask []float32 `js:"headMask"`
	Layer    int       `js:"layer"`
	Head     int       `js:"head"`
}

// QueriesResult is what one head's attention computed from: every token's query and key vector
// [tokens, head_dim] (a Llama's after its rotary embeddings; the keys those of the query head's key
// and value head, KVHead), the scores q·k [tokens, tokens] and the attention
// softmax(q·k / Scale) [tokens, tokens], each query row over the keys it may see (a causal model's
// later keys get 0).
type QueriesResult struct {
	Tokens  []string `js:"tokens"`
	TypeIDs []int32  `js:"typeIds"`
	Layer   int      `js:"layer"`
	Head    int      `js:"head"`
	KVHead  int      `js:"kvHead"`
	Scale   float64  `js:"scale"`
	Causal  bool     `js:"causal"`
	Queries Tensor   `js:"queries"`
	Keys    Tensor   `js:"keys"`
	Scores  Tensor   `js:"scores"`
	Probs   Tensor   `js:"probs"`
}
