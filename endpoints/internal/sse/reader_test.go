package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refEvent is an event as the reference parser and the tests see it.
type refEvent struct{ Type, Data, ID string }

// refResult is what reading a whole stream gives.
type refResult struct {
	Events     []refEvent
	Unexpected bool // the stream ended inside an event
	Pending    *refEvent
}

// refParse is a direct transcription of the WHATWG HTML rules "Parsing an
// event stream" and "Interpreting an event stream", on strings, with no
// regard for speed: the model the Reader is checked against.
func refParse(in []byte) refResult {
	s := strings.TrimPrefix(string(in), "\uFEFF")
	var lines []string
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			s = s[i+2:]
		} else {
			s = s[i+1:]
		}
	}
	partial := s

	var dataBuf, typeBuf, lastID string
	process := func(line string) {
		if strings.HasPrefix(line, ":") {
			return
		}
		name, value := line, ""
		if i := strings.IndexByte(line, ':'); i >= 0 {
			name, value = line[:i], strings.TrimPrefix(line[i+1:], " ")
		}
		switch name {
		case "event":
			typeBuf = value
		case "data":
			dataBuf += value + "\n"
		case "id":
			if !strings.Contains(value, "\x00") {
				lastID = value
			}
		}
	}
	dispatch := func() (refEvent, bool) {
		if dataBuf == "" {
			typeBuf = ""
			return refEvent{}, false
		}
		ev := refEvent{Type: typeBuf, Data: strings.TrimSuffix(dataBuf, "\n"), ID: lastID}
		dataBuf, typeBuf = "", ""
		return ev, true
	}

	var res refResult
	for _, line := range lines {
		if line == "" {
			if ev, ok := dispatch(); ok {
				res.Events = append(res.Events, ev)
			}
			continue
		}
		process(line)
	}
	if partial != "" || dataBuf != "" {
		res.Unexpected = true
		if partial != "" {
			process(partial)
		}
		if ev, ok := dispatch(); ok {
			res.Pending = &ev
		}
	}
	return res
}

// readAll reads every event from r, as refParse reports them.
func readAll(t testing.TB, r *Reader) (refResult, error) {
	t.Helper()
	var res refResult
	for range 1 << 20 {
		ev, err := r.Next()
		switch {
		case err == nil:
			res.Events = append(res.Events, refEvent{string(ev.Type), string(ev.Data), string(ev.ID)})
			continue
		case err == io.EOF:
			return res, nil
		case err == ErrTruncated:
			res.Unexpected = true
			if ev, ok := r.Pending(); ok {
				res.Pending = &refEvent{string(ev.Type), string(ev.Data), string(ev.ID)}
			}
			return res, nil
		default:
			return res, err
		}
	}
	t.Fatal("too many events")
	return res, nil
}

// splitReader returns its input in the pieces given by cuts.
type splitReader struct {
	data []byte
	off  int
	cuts []int // ascending offsets in data where a Read must stop
}

func (s *splitReader) Read(p []byte) (int, error) {
	if s.off == len(s.data) {
		return 0, io.EOF
	}
	for len(s.cuts) > 0 && s.cuts[0] <= s.off {
		s.cuts = s.cuts[1:]
	}
	end := len(s.data)
	if len(s.cuts) > 0 {
		end = min(end, s.cuts[0])
	}
	n := copy(p, s.data[s.off:end])
	s.off += n
	return n, nil
}

// readers returns the ways each transcript is fed to the Reader.
func readers(in []byte) map[string]func() io.Reader {
	m := map[string]func() io.Reader{
		"whole":       func() io.Reader { return bytes.NewReader(in) },
		"one byte":    func() io.Reader { return iotest.OneByteReader(bytes.NewReader(in)) },
		"data+EOF":    func() io.Reader { return iotest.DataErrReader(bytes.NewReader(in)) },
		"half":        func() io.Reader { return iotest.HalfReader(bytes.NewReader(in)) },
		"empty reads": func() io.Reader { return &stutterReader{r: bytes.NewReader(in)} },
	}
	for i := 1; i < len(in); i++ {
		m[fmt.Sprintf("split at %d", i)] = func() io.Reader { return &splitReader{data: in, cuts: []int{i}} }
	}
	return m
}

// stutterReader returns (0, nil) before every byte.
type stutterReader struct {
	r   io.Reader
	odd bool
}

func (s *stutterReader) Read(p []byte) (int, error) {
	s.odd = !s.odd
	if s.odd {
		return 0, nil
	}
	return s.r.Read(p[:1])
}

func TestReaderTranscripts(t *testing.T) {
	ev := func(typ, data, id string) refEvent { return refEvent{typ, data, id} }
	tests := []struct {
		name string
		in   string
		want refResult
	}{
		{"empty", "", refResult{}},
		{"LF", "data: a\n\ndata: b\n\n", refResult{Events: []refEvent{ev("", "a", ""), ev("", "b", "")}}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", refResult{Events: []refEvent{ev("", "a", ""), ev("", "b", "")}}},
		{"CR", "data: a\r\rdata: b\r\r", refResult{Events: []refEvent{ev("", "a", ""), ev("", "b", "")}}},
		{"mixed line ends", "data: a\r\n\ndata: b\r\rdata: c\n\r\n", refResult{Events: []refEvent{ev("", "a", ""), ev("", "b", ""), ev("", "c", "")}}},
		{"CR then LF is one line end", "data: a\r\n\r\n", refResult{Events: []refEvent{ev("", "a", "")}}},
		{"LF CR is two", "data: a\n\rdata: b\n\n", refResult{Events: []refEvent{ev("", "a", ""), ev("", "b", "")}}},
		{"no space", "data:a\n\n", refResult{Events: []refEvent{ev("", "a", "")}}},
		{"only one space removed", "data:  a \n\n", refResult{Events: []refEvent{ev("", " a ", "")}}},
		{"tab kept", "data:\ta\n\n", refResult{Events: []refEvent{ev("", "\ta", "")}}},
		{"comments and keep-alives", ": ping\n\n:\ndata: a\n: inside\n\n: ping\n\n", refResult{Events: []refEvent{ev("", "a", "")}}},
		{"multi-line data", "data: a\ndata:\ndata: c\n\n", refResult{Events: []refEvent{ev("", "a\n\nc", "")}}},
		{"empty data", "data:\n\n", refResult{Events: []refEvent{ev("", "", "")}}},
		{"field without colon", "data\n\n", refResult{Events: []refEvent{ev("", "", "")}}},
		{"field without colon appends empty line", "data: a\ndata\n\n", refResult{Events: []refEvent{ev("", "a\n", "")}}},
		{"event type", "event: error\ndata: {}\n\ndata: x\n\n", refResult{Events: []refEvent{ev("error", "{}", ""), ev("", "x", "")}}},
		{"last event type wins", "event: a\nevent: b\ndata: x\n\n", refResult{Events: []refEvent{ev("b", "x", "")}}},
		{"type without data is forgotten", "event: a\n\ndata: x\n\n", refResult{Events: []refEvent{ev("", "x", "")}}},
		{"id persists", "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n", refResult{Events: []refEvent{ev("", "a", "1"), ev("", "b", "1"), ev("", "c", "")}}},
		{"id with NUL ignored", "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", refResult{Events: []refEvent{ev("", "a", "1"), ev("", "b", "1")}}},
		{"unknown fields and retry ignored", "retry: 10\nfoo: bar\ndata: a\n\n", refResult{Events: []refEvent{ev("", "a", "")}}},
		{"field names are case-sensitive", "Data: a\nDATA: b\ndata: c\n\n", refResult{Events: []refEvent{ev("", "c", "")}}},
		{"colon in value", "data: a:b: c\n\n", refResult{Events: []refEvent{ev("", "a:b: c", "")}}},
		{"BOM skipped", "\xEF\xBB\xBFdata: a\n\n", refResult{Events: []refEvent{ev("", "a", "")}}},
		{"second BOM kept", "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n", refResult{}},
		{"blank lines only", "\n\n\r\n\r", refResult{}},
		{"ends after event", "data: a\n\n: bye\n", refResult{Events: []refEvent{ev("", "a", "")}}},
		{"ends without blank line", "data: a\n\ndata: b\n", refResult{Events: []refEvent{ev("", "a", "")}, Unexpected: true, Pending: &refEvent{"", "b", ""}}},
		{"ends mid-line", "data: a\n\ndata: [DONE]", refResult{Events: []refEvent{ev("", "a", "")}, Unexpected: true, Pending: &refEvent{"", "[DONE]", ""}}},
		{"ends mid-comment", "data: a\n\n: pi", refResult{Events: []refEvent{ev("", "a", "")}, Unexpected: true}},
		{"ends mid-event with type", "event: error\ndata: x\ndata: y", refResult{Unexpected: true, Pending: &refEvent{"error", "x\ny", ""}}},
		{"ends with CR", "data: a\r", refResult{Unexpected: true, Pending: &refEvent{"", "a", ""}}},
		{"openai stream", "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n", refResult{Events: []refEvent{ev("", `{"choices":[{"delta":{"content":"Hi"}}]}`, ""), ev("", "[DONE]", "")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, refParse([]byte(tt.in)), "reference parser")
			for how, rd := range readers([]byte(tt.in)) {
				got, err := readAll(t, NewReader(rd()))
				require.NoError(t, err, how)
				require.Equal(t, tt.want, got, how)
			}
			for how, rd := range readers([]byte(tt.in)) {
				got, err := readAll(t, NewReaderSize(rd(), 1))
				require.NoError(t, err, "small buffer, %s", how)
				require.Equal(t, tt.want, got, "small buffer, %s", how)
			}
		})
	}
}

func TestReaderErrorsAreSticky(t *testing.T) {
	r := NewReader(strings.NewReader("data: a\n\n"))
	_, err := r.Next()
	require.NoError(t, err)
	for range 3 {
		_, err = r.Next()
		require.Equal(t, io.EOF, err)
	}

	r.Reset(strings.NewReader("data: a"))
	for range 3 {
		_, err = r.Next()
		require.Equal(t, ErrTruncated, err)
	}
}

func TestReaderReadError(t *testing.T) {
	boom := errors.New("connection reset")
	in := "data: a\n\ndata: b\n\ndata: c"
	r := NewReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom)))
	for _, want := range []string{"a", "b"} {
		ev, err := r.Next()
		require.NoError(t, err)
		require.Equal(t, want, string(ev.Data))
	}
	_, err := r.Next()
	require.ErrorIs(t, err, boom)
	_, ok := r.Pending()
	require.False(t, ok)
	_, err = r.Next()
	require.ErrorIs(t, err, boom)
}

func TestReaderNoProgress(t *testing.T) {
	r := NewReader(readerFunc(func([]byte) (int, error) { return 0, nil }))
	_, err := r.Next()
	require.ErrorIs(t, err, io.ErrNoProgress)
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestReaderMaxEventSize(t *testing.T) {
	const max = 64
	long := strings.Repeat("x", max)
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"line of the limit", "data:" + long[5:] + "\n\n", false},
		{"line of the limit, CRLF", "data:" + long[5:] + "\r\n\r\n", false},
		{"line of the limit, CR", "data:" + long[5:] + "\r\r", false},
		{"line over the limit", "data:" + long[4:] + "\n\n", true},
		{"line over the limit, CR", "data:" + long[4:] + "\r\r", true},
		{"unterminated line over the limit", "data:" + long[4:], true},
		{"comment over the limit", ":" + long + "\n\ndata: a\n\n", true},
		{"data of the limit", "data:" + long[:31] + "\ndata:" + long[:32] + "\n\n", false},
		{"data over the limit", "data:" + long[:32] + "\ndata:" + long[:32] + "\n\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for how, rd := range map[string]io.Reader{
				"whole":    strings.NewReader(tt.in),
				"one byte": iotest.OneByteReader(strings.NewReader(tt.in)),
			} {
				r := NewReaderSize(rd, 16)
				r.MaxEventSize = max
				_, err := readAll(t, r)
				if !tt.wantErr {
					require.NoError(t, err, how)
					continue
				}
				require.ErrorIs(t, err, ErrEventTooLarge, how)
				require.ErrorContains(t, err, "64 bytes", how)
				_, again := r.Next()
				require.Equal(t, err, again, "sticky")
			}
		})
	}
}

func TestReaderLongLines(t *testing.T) {
	big := strings.Repeat("abcdefgh", 1<<17) // 1 MiB
	in := "data: " + big + "\n\ndata: " + big + "\ndata: b\n\n"
	got, err := readAll(t, NewReader(iotest.HalfReader(strings.NewReader(in))))
	require.NoError(t, err)
	require.Len(t, got.Events, 2)
	assert.Equal(t, big, got.Events[0].Data)
	assert.Equal(t, big+"\nb", got.Events[1].Data)

	r := NewReader(strings.NewReader("data: " + strings.Repeat("x", DefaultMaxEventSize) + "\n\n"))
	_, err = r.Next()
	require.ErrorIs(t, err, ErrEventTooLarge)
}

func TestReaderReset(t *testing.T) {
	r := NewReader(strings.NewReader("id: 7\nevent: e\ndata: a\ndata: b\n\ndata: cut"))
	got, err := readAll(t, r)
	require.NoError(t, err)
	require.True(t, got.Unexpected)

	r.Reset(strings.NewReader("data: x\n\n"))
	got, err = readAll(t, r)
	require.NoError(t, err)
	require.Equal(t, refResult{Events: []refEvent{{"", "x", ""}}}, got, "no state survives Reset")

	var zero Reader
	zero.Reset(strings.NewReader("data: z\n\n"))
	got, err = readAll(t, &zero)
	require.NoError(t, err)
	require.Equal(t, refResult{Events: []refEvent{{"", "z", ""}}}, got, "zero Reader after Reset")
}

// chunkLine is a realistic OpenAI chat completion chunk (about 200 bytes).
const chunkLine = `data: {"id":"chatcmpl-8f2a1c9e4b7d4e0f9a3b","object":"chat.completion.chunk","created":1718000000,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}` + "\n\n"

// loopReader serves data over and over, at most n bytes per Read.
type loopReader struct {
	data []byte
	off  int
	n    int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if len(p) > l.n {
		p = p[:l.n]
	}
	total := 0
	for len(p) > 0 {
		c := copy(p, l.data[l.off:])
		l.off = (l.off + c) % len(l.data)
		p = p[c:]
		total += c
	}
	return total, nil
}

func TestReaderAllocs(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		n    int
	}{
		{"one chunk per read", chunkLine, len(chunkLine)},
		{"bulk reads", chunkLine, DefaultBufferSize},
		{"odd reads", chunkLine, 77},
		{"CRLF multi-line typed", "event: message\r\nid: 42\r\ndata: a\r\ndata: b\r\n: ping\r\n\r\n", 13},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(&loopReader{data: []byte(tt.in), n: tt.n})
			for range 1000 { // grow the buffers
				_, err := r.Next()
				require.NoError(t, err)
			}
			allocs := testing.AllocsPerRun(10000, func() {
				if _, err := r.Next(); err != nil {
					t.Fatal(err)
				}
			})
			require.Zero(t, allocs, "allocations per event")
		})
	}
}

func BenchmarkReader(b *testing.B) {
	for _, bm := range []struct {
		name string
		n    int
	}{
		{"bulk", DefaultBufferSize},        // reads return many chunks
		{"chunk-per-read", len(chunkLine)}, // reads return one chunk, as from a server flushing each
	} {
		b.Run(bm.name, func(b *testing.B) {
			r := NewReader(&loopReader{data: []byte(chunkLine), n: bm.n})
			b.SetBytes(int64(len(chunkLine)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Next(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
		})
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"data: a\n\n", "data:a\r\n\r\n", "data: a\r\rdata: b\r\r", "event: e\nid: 1\ndata: x\ndata: y\n\n",
		": ping\n\ndata: [DONE]", "\xEF\xBB\xBFdata: a\n\n", "data\n\nid\x00\n", "data: a\r", "\xEF\xBB",
		chunkLine + chunkLine,
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint8) {
		want := refParse(in)
		// Cut the input into pieces of 1 to seed%32+1 bytes.
		var cuts []int
		step := int(seed%32) + 1
		for i, k := 0, 0; i < len(in); k++ {
			i += 1 + (k*7+int(seed))%step
			cuts = append(cuts, i)
		}
		for how, rd := range map[string]io.Reader{
			"whole":     bytes.NewReader(in),
			"one byte":  iotest.OneByteReader(bytes.NewReader(in)),
			"data+EOF":  iotest.DataErrReader(bytes.NewReader(in)),
			"cut":       &splitReader{data: in, cuts: cuts},
			"cut small": &splitReader{data: in, cuts: cuts},
		} {
			size := DefaultBufferSize
			if how == "cut small" {
				size = step
			}
			got, err := readAll(t, NewReaderSize(rd, size))
			if err != nil {
				t.Fatalf("%s: %v", how, err)
			}
			if !assert.Equal(t, want, got, how) {
				t.FailNow()
			}
		}
	})
}
