// Package jsonscan is the module's JSON toolkit for the hot paths. Its
// [Scanner] reads one JSON text (RFC 8259) in place, value by value, for
// the providers' decoders (openai and anthropic directly, bedrock and
// sagemaker through endpoints/internal/jsonpath): it checks the syntax of
// everything it passes over, skips what its caller does not ask for, and
// unescapes the strings its caller does ask for into buffers the caller
// reuses, so that decoding a chunk or an event allocates nothing.
// [AppendQuote] writes a JSON string, for the response record and the
// simulator's wire formats.
//
// It accepts exactly the texts encoding/json accepts (nesting included, up
// to [MaxDepth] levels) and unescapes strings exactly as encoding/json
// does: invalid UTF-8 bytes and lone UTF-16 surrogates become U+FFFD. The
// package's fuzz tests hold it to that.
//
// # Use
//
// A [Scanner] is driven by its caller, which knows the shape it expects:
//
//	s.Reset(data)
//	if !s.BeginObject() { ... }
//	for s.NextKey() {
//		switch string(s.Key()) {
//		case "text":
//			buf, _ = s.AppendString(buf[:0])
//		default:
//			s.Skip()
//		}
//	}
//	s.End()
//	if err := s.Err(); err != nil { ... }
//
// After NextKey or NextElement reports true, the caller must consume exactly
// one value (read it or Skip it). [Scanner.Peek] tells the kind of the next
// value without consuming it. Errors are sticky: after the first syntax
// error every method reports false (or [Invalid]) and does nothing, so that
// loops end, and [Scanner.Err] returns the error, which wraps [ErrSyntax].
// [Scanner.BeginTopObject] opens a text that must be an object and, when
// it is not one, says whether it is not JSON at all or JSON of another
// type.
//
// # Speed
//
// Skip walks a whole value in one loop on local state, without a call per
// value, and strings are scanned eight bytes at a time (SWAR). The
// endpoints' BenchmarkDecodeChunk and BenchmarkDecodeEvent compare a
// decoder built on a Scanner with encoding/json unmarshalling the same
// fields into a struct.
package jsonscan
