package tokenizer

// Llama2cFiles are the names of llama2.c's tokenizer file (tokenizer.bin, run.c's default; tok512.bin,
// stories260K's), in the order a llama2.c model directory is searched for one.
var Llama2cFiles = []string{"tokenizer.bin", "tok512.bin"}
