// Package sse reads Server-Sent Events (the text/event-stream format) from an
// io.Reader, for the streaming endpoints of llmtest.
//
// It follows the "Parsing an event stream" and "Interpreting an event
// stream" rules of the WHATWG HTML Living Standard, section "Server-sent
// events", and is built for the per-chunk hot path of a load generator: once
// its buffers have grown to the largest line and event seen, reading an
// event allocates nothing.
//
// # What it implements
//
//   - Lines end with CRLF, LF or a lone CR; a CRLF split across two reads is
//     still one line end.
//   - A single leading U+FEFF byte order mark is skipped.
//   - A line starting with ":" is a comment (servers send ": ping" as a
//     keep-alive) and is ignored.
//   - A line with a colon is a field: the name is what precedes the first
//     colon, the value what follows it, less one leading space if there is
//     one. A line without a colon is a field whose whole line is the name and
//     whose value is empty.
//   - "data" appends its value to the event's data; several data lines are
//     joined with "\n". "event" sets the event type. "id" sets the last event
//     ID, which persists across events, unless the value contains U+0000.
//     "retry" and unknown fields are ignored.
//   - A blank line dispatches the event, if it has data: an event made only
//     of "event:" or "id:" lines, with no data line, is not dispatched, and
//     its type is forgotten.
//
// # Deviations
//
// Bytes are passed through as they are: the reader does not decode UTF-8, so
// invalid sequences reach the caller unchanged instead of as U+FFFD. An event
// without an "event" field has an empty [Event.Type]; the standard names that
// type "message".
//
// # End of stream
//
// The standard discards an event that the stream ends in the middle of,
// before its terminating blank line, and so does [Reader.Next]; but it
// reports the two endings apart: [io.EOF] when the stream ended between
// events, [ErrTruncated] when it ended inside a line or after data lines
// that no blank line dispatched. After ErrTruncated, [Reader.Pending]
// returns the event that was cut off, for callers that choose to look at
// it. An error from the underlying reader, such as a broken connection, is
// returned as it is.
//
// # Limits
//
// A line, and the data of one event, may be at most [Reader.MaxEventSize]
// bytes ([DefaultMaxEventSize] by default); beyond that, Next returns an
// error wrapping [ErrEventTooLarge] and the stream cannot be read further.
package sse
