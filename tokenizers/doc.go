// Package tokenizers counts tokens in text, for requests whose server reports
// no usage.
//
// The engine uses a [Tokenizer] only as a fallback, and never inside the
// timed window of a request: token counts come from the server first.
// [Whitespace] is the default. [Tiktoken] counts with OpenAI's BPE encodings
// (cl100k_base, o200k_base, p50k_base, r50k_base, p50k_edit) from ranks
// embedded in the binary: nothing is downloaded, and each encoding is built
// once per process.
package tokenizers
