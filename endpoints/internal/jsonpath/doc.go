// Package jsonpath finds one value in a JSON document by a short path, for
// the endpoints that take the generated text and the token counts out of
// response bodies and stream chunks whose shape the user configures
// (bedrock's InvokeModel, sagemaker's InvokeEndpoint).
//
//	p, err := jsonpath.Parse("choices[0].message.content")
//	text, found, err := p.Text(body, buf)
//
// or, for several values per chunk, in one pass:
//
//	set := jsonpath.NewSet(textPath, usagePath) // once
//	values := set.NewValues()                   // per stream
//	err := set.Read(chunk, values)              // per chunk
//	text, found, err := values.Text(0, buf)
//
// # Syntax
//
// A path is a list of steps from the document's root:
//
//   - a key selects a member of an object: "generation", "usage.prompt_tokens";
//     keys after the first are preceded by ".";
//   - [N] selects element N (from 0) of an array: "choices[0]", "[0].generated_text";
//   - ["key"] selects a member whose name holds ".", "[", "]" or "|", or is
//     empty; inside the quotes, \" stands for " and \\ for \.
//
// A bare key is any run of characters other than ".", "[", "]" and "|".
// Alternatives are separated by "|", with optional spaces around them:
// "[0].generated_text|generated_text" looks for the first and, when it is
// not found, for the second. Lookup returns the first alternative found;
// Text, Int, Count and Present go past an alternative that is null or of
// another type than they read, so "reasoning_content|reasoning" finds a
// filled "reasoning" beside a null "reasoning_content". An empty path, an empty key, a "." at either
// end, an index that is not a number of at most 9 digits, or an unclosed
// bracket or quote is a parse error that names its byte offset.
//
// # Lookups
//
// [Path.Lookup] walks the document along the path and returns the value it
// reaches. A path that leads nowhere — a key the object does not have, an
// index past the end of the array, a null on the way, a step that does not
// apply to the value it meets (an index into an object, a key into a
// string) — is not found, which is not an error: a stream chunk without
// usage simply has none, and a chunk of another shape has none either.
// Only malformed JSON is an error, wherever it is: a lookup reads the
// whole document, so that data that is not JSON ("falsey", "[1,", a
// trailing word) is called invalid JSON whatever its first letter, even
// when the path leads to a value before the fault. [Path.Get] is Lookup
// for a value that must be there, and [Path.Text], [Path.Int] and
// [Path.Count] also check the type of the value found. Errors are [*Error]
// values that name the path, the step at which the walk failed
// ("choices[0]") and why, and wrap [ErrNotFound], [ErrType] or [ErrSyntax]
// (which is jsonscan.ErrSyntax).
//
// When an object has the same key twice, the first one is used (the JSON
// standard leaves duplicates undefined; encoding/json keeps the last).
//
// # Sets
//
// A decoder that reads several values from each chunk gathers its paths
// into a [Set]: [Set.Read] reads a document once, checking all of it, and
// finds every path's value, which [Values] then hands out with the same
// methods and results as the paths' own lookups. Malformed JSON is the one
// difference: a Set read belongs to no single path, so its error is the
// scanner's, wrapping [ErrSyntax], not an [*Error] naming a path. One pass
// costs about one lookup, however many paths the Set holds.
//
// # Cost
//
// Lookups and Set reads scan the document in place with the module's one
// JSON scanner (internal/jsonscan), skipping what no path asks for in its
// fast loop, and allocate nothing, not even for an error-free miss.
// [Value.Text] returns the string without copying when it holds no escape
// sequence and is valid UTF-8, and otherwise unescapes it into a buffer the
// caller reuses, with the same result as encoding/json (invalid UTF-8 and
// lone surrogates become U+FFFD). Nesting deeper than [MaxDepth] is an
// error.
package jsonpath
