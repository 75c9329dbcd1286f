// Package tokenizers counts tokens in text, for requests whose server reports
// no usage.
//
// The engine uses a [Tokenizer] only as a fallback, and never inside the
// timed window of a request: token counts come from the server first.
// [Whitespace] is the default, and allocates nothing. OpenAI's BPE
// encodings live in the subpackage tokenizers/tiktoken, which embeds their
// rank files; it is its own package so that a module importing llmtest
// pulls in neither those files nor the regular-expression library they
// need unless it asks for them.
package tokenizers
