package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

const (
	// DefaultMaxEventSize is the default limit, in bytes, on one line and on
	// the data of one event: 16 MiB.
	DefaultMaxEventSize = 16 << 20

	// DefaultBufferSize is the initial size of a Reader's read buffer, in
	// bytes. The buffer grows, up to the event size limit, to hold a longer
	// line.
	DefaultBufferSize = 16 << 10

	// retainLimit is the largest buffer Reset keeps for reuse; a larger one,
	// grown for an unusually long event, is dropped.
	retainLimit = 1 << 20

	// maxEmptyReads is how many successive reads returning neither data
	// nor an error the Reader tolerates before giving up, as bufio does.
	maxEmptyReads = 100
)

var (
	// ErrEventTooLarge is wrapped by the error [Reader.Next] returns when a
	// line or the data of one event exceeds [Reader.MaxEventSize].
	ErrEventTooLarge = errors.New("sse: event too large")

	// ErrTruncated is returned by [Reader.Next] when the input ends inside
	// a line, or after data lines that no blank line dispatched.
	ErrTruncated = errors.New("sse: stream ended inside an event")
)

// Event is one dispatched event. Its slices point into the Reader's buffers
// and are valid only until the next call to [Reader.Next] or [Reader.Reset].
type Event struct {
	// Type is the value of the event's last "event" field; empty when it had
	// none, which the standard calls type "message".
	Type []byte
	// Data is the values of the event's "data" lines, joined with "\n".
	Data []byte
	// ID is the last event ID: the value of the latest "id" field seen in
	// the stream so far, in this event or an earlier one. Empty when none.
	ID []byte
}

// Reader reads events from an event stream. It buffers its input, so it may
// read past the event it returns. A Reader is not safe for concurrent use.
//
// The zero value is ready to use once [Reader.Reset] has given it an input.
type Reader struct {
	// MaxEventSize is the limit, in bytes, on one line and on the data of
	// one event. Zero means DefaultMaxEventSize.
	MaxEventSize int

	rd   io.Reader
	size int // initial buffer size

	buf  []byte
	r, w int   // unread input is buf[r:w]
	scan int   // buf[r:scan] has been searched for a line end in vain
	rerr error // error from rd, returned once buf is used up
	done error // terminal error, returned by every later Next

	skipLF  bool // the last line ended with CR: skip an LF that follows
	bomDone bool // the leading byte order mark has been looked for

	// The event being assembled. Its first data line and its type refer to
	// buf (inline) until the buffer is compacted; then they are copied into
	// data and typ, as are the lines of data that follow the first.
	dataLines    int
	dataInline   bool
	dStart, dEnd int
	data         []byte
	typeSet      bool
	typeInline   bool
	tStart, tEnd int
	typ          []byte
	id           []byte

	pending    Event // the event cut off by the end of the stream
	hasPending bool
}

// NewReader returns a Reader that reads events from rd, with a read buffer
// of DefaultBufferSize bytes.
func NewReader(rd io.Reader) *Reader {
	return NewReaderSize(rd, DefaultBufferSize)
}

// NewReaderSize returns a Reader that reads events from rd, with a read
// buffer of size bytes to begin with (16 at the least).
func NewReaderSize(rd io.Reader, size int) *Reader {
	r := &Reader{size: max(size, 16)}
	r.Reset(rd)
	return r
}

// Reset discards the Reader's state and makes it read from rd, keeping its
// buffers (up to 1 MiB each) for reuse. MaxEventSize is kept.
func (r *Reader) Reset(rd io.Reader) {
	if cap(r.buf) > retainLimit {
		r.buf = nil
	}
	if cap(r.data) > retainLimit {
		r.data = nil
	}
	if cap(r.typ) > retainLimit {
		r.typ = nil
	}
	if cap(r.id) > retainLimit {
		r.id = nil
	}
	*r = Reader{
		MaxEventSize: r.MaxEventSize,
		rd:           rd,
		size:         r.size,
		buf:          r.buf,
		data:         r.data[:0],
		typ:          r.typ[:0],
		id:           r.id[:0],
	}
}

func (r *Reader) maxSize() int {
	if r.MaxEventSize > 0 {
		return r.MaxEventSize
	}
	return DefaultMaxEventSize
}

// Next reads until the next event is dispatched and returns it. The event's
// slices are valid until the next call to Next or Reset. Next blocks while
// it waits for input.
//
// At the end of the input, Next returns io.EOF if the stream ended between
// events, or ErrTruncated if it ended inside a line or after data lines not
// yet dispatched by a blank line (see [Reader.Pending]). An error
// from the underlying reader is returned as it is, once the events before
// it have been returned. A line or event data longer than MaxEventSize gives
// an error wrapping ErrEventTooLarge. After an error, every later call
// returns the same error.
func (r *Reader) Next() (Event, error) {
	if r.done != nil {
		return Event{}, r.done
	}
	for {
		start, end, ok := r.line()
		if !ok {
			if r.done != nil {
				return Event{}, r.done
			}
			if r.rerr != nil {
				return Event{}, r.end()
			}
			r.fill()
			continue
		}
		if start == end { // blank line: dispatch
			if ev, ok := r.dispatch(); ok {
				return ev, nil
			}
			continue
		}
		if err := r.field(start, end); err != nil {
			return Event{}, r.fail(err)
		}
	}
}

// ReadErr returns the error the underlying reader has returned, io.EOF
// once the input has ended, or nil while it has returned none. Events read
// before the error may still be waiting in the buffer.
func (r *Reader) ReadErr() error { return r.rerr }

// Pending returns the event that the stream ended in the middle of, as if a
// blank line had followed it, and whether there was one with data. It is
// meaningful after Next returned ErrTruncated, until the next Reset.
// The event's slices are valid until then too.
func (r *Reader) Pending() (Event, bool) {
	return r.pending, r.hasPending
}

func (r *Reader) fail(err error) error {
	r.done = err
	return err
}

func (r *Reader) tooLarge() error {
	return r.fail(fmt.Errorf("%w: a line or the data of one event exceeds %d bytes", ErrEventTooLarge, r.maxSize()))
}

// line returns the bounds in buf of the next complete line, without its line
// end, and consumes it; ok is false when buf holds no complete line.
func (r *Reader) line() (start, end int, ok bool) {
	if r.skipLF && r.r < r.w {
		if r.buf[r.r] == '\n' {
			r.r++
		}
		r.skipLF = false
	}
	if !r.bomDone && !r.skipBOM() {
		return 0, 0, false
	}
	// buf[r:scan] is known to hold neither CR nor LF.
	start = r.r
	from := max(r.scan, r.r)
	b := r.buf[from:r.w]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
			// A CR ends the line first: CRLF if the LF follows it at once,
			// a lone CR otherwise.
			if j == i-1 {
				r.r = from + i + 1
			} else {
				r.r = from + j + 1
			}
			i = j
		} else {
			r.r = from + i + 1
		}
		return r.lineEnd(start, from+i)
	}
	if j := bytes.IndexByte(b, '\r'); j >= 0 {
		// The line ends with a CR; an LF may still follow in the next read.
		r.r = from + j + 1
		r.skipLF = true
		return r.lineEnd(start, from+j)
	}
	r.scan = r.w
	return 0, 0, false
}

func (r *Reader) lineEnd(start, end int) (int, int, bool) {
	if end-start > r.maxSize() {
		r.tooLarge()
		return 0, 0, false
	}
	return start, end, true
}

var bom = []byte("\xEF\xBB\xBF")

// skipBOM skips a byte order mark at the start of the stream. It reports
// false when it needs more input to tell.
func (r *Reader) skipBOM() bool {
	b := r.buf[r.r:r.w]
	if len(b) < len(bom) && r.rerr == nil && bytes.HasPrefix(bom, b) {
		return false
	}
	if bytes.HasPrefix(b, bom) {
		r.r += len(bom)
	}
	r.bomDone = true
	return true
}

// fill reads into buf once, making room first if buf is full, and sets rerr
// on error. buf[r:w] holds no complete line when it is called.
func (r *Reader) fill() {
	limit := r.maxSize() + 1 // the longest line and one line-end byte
	if r.w-r.r >= limit {
		r.tooLarge()
		return
	}
	if r.r == r.w && !r.dataInline && !r.typeInline {
		r.r, r.w, r.scan = 0, 0, 0 // all consumed: start over, copying nothing
	}
	if r.w == len(r.buf) {
		r.makeRoom(limit)
	}
	for range maxEmptyReads {
		n, err := r.rd.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			r.rerr = errors.New("sse: reader returned an invalid count")
			return
		}
		r.w += n
		if err != nil {
			r.rerr = err
			return
		}
		if n > 0 {
			return
		}
	}
	r.rerr = io.ErrNoProgress
}

// makeRoom moves the unread input to the start of buf, into a larger buffer
// when it fills more than half of it, so that a long line costs linear
// time however small the reads that bring it.
func (r *Reader) makeRoom(limit int) {
	r.pin()
	n := r.w - r.r
	dst := r.buf
	if len(r.buf) == 0 || n > len(r.buf)/2 {
		size := r.size
		if size <= 0 {
			size = DefaultBufferSize
		}
		if size = min(max(2*len(r.buf), size), limit); size > len(r.buf) {
			dst = make([]byte, size)
		}
	}
	copy(dst, r.buf[r.r:r.w])
	r.buf = dst
	r.scan = max(r.scan-r.r, 0)
	r.r, r.w = 0, n
}

// pin copies the parts of the event being assembled that still refer to
// buf out of it, before buf is compacted.
func (r *Reader) pin() {
	if r.dataInline {
		r.data = append(r.data[:0], r.buf[r.dStart:r.dEnd]...)
		r.dataInline = false
	}
	if r.typeInline {
		r.typ = append(r.typ[:0], r.buf[r.tStart:r.tEnd]...)
		r.typeInline = false
	}
}

// field processes the non-blank line buf[start:end].
func (r *Reader) field(start, end int) error {
	line := r.buf[start:end]
	if line[0] == ':' {
		return nil // comment
	}
	var name []byte
	vs := end // value: buf[vs:end]
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name = line[:i]
		vs = start + i + 1
		if vs < end && r.buf[vs] == ' ' {
			vs++
		}
	} else {
		name = line
	}
	switch string(name) {
	case "data":
		if r.dataLines == 0 {
			r.dataInline = true
			r.dStart, r.dEnd = vs, end
		} else {
			if r.dataInline {
				r.data = append(r.data[:0], r.buf[r.dStart:r.dEnd]...)
				r.dataInline = false
			}
			if len(r.data)+1+end-vs > r.maxSize() {
				return r.tooLarge()
			}
			r.data = append(r.data, '\n')
			r.data = append(r.data, r.buf[vs:end]...)
		}
		r.dataLines++
	case "event":
		r.typeSet, r.typeInline = true, true
		r.tStart, r.tEnd = vs, end
	case "id":
		if v := r.buf[vs:end]; bytes.IndexByte(v, 0) < 0 {
			r.id = append(r.id[:0], v...)
		}
	}
	return nil
}

// dispatch ends the event being assembled and returns it, if it has data.
func (r *Reader) dispatch() (Event, bool) {
	var ev Event
	ok := r.dataLines > 0
	if ok {
		if r.dataInline {
			ev.Data = r.buf[r.dStart:r.dEnd:r.dEnd]
		} else {
			ev.Data = r.data
		}
		if r.typeSet {
			if r.typeInline {
				ev.Type = r.buf[r.tStart:r.tEnd:r.tEnd]
			} else {
				ev.Type = r.typ
			}
		}
		ev.ID = r.id
	}
	r.dataLines, r.dataInline = 0, false
	r.typeSet, r.typeInline = false, false
	return ev, ok
}

// end is called when the input has ended and buf holds no complete line.
func (r *Reader) end() error {
	if r.rerr != io.EOF {
		return r.fail(r.rerr)
	}
	if r.r == r.w && r.dataLines == 0 {
		return r.fail(io.EOF)
	}
	if r.r < r.w {
		// The unterminated last line, read as if it were terminated.
		start, end := r.r, r.w
		r.r = r.w
		if end-start > r.maxSize() {
			return r.tooLarge()
		}
		if err := r.field(start, end); err != nil {
			return err
		}
	}
	r.pending, r.hasPending = r.dispatch()
	return r.fail(ErrTruncated)
}
