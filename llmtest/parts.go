package llmtest

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero values of [ResponseParts].
const (
	// DefaultPartRecords is the number of records after which a part of
	// responses.jsonl is closed.
	DefaultPartRecords = 10000
	// DefaultPartInterval is the time after which a part holding records
	// is closed.
	DefaultPartInterval = 10 * time.Second
)

// ResponsesDir is the folder of a bucket run folder that holds the records
// in parts: responses/part-00000.jsonl, part-00001.jsonl and on, each in
// the format of responses.jsonl, in order of completion across parts.
const ResponsesDir = "responses"

// ResponseParts sets how a run that writes to a bucket (see [Bucket])
// cuts its records into parts: an object can be uploaded only whole, so
// the records go to the bucket part by part as the run goes, and a process
// that dies loses at most the part it had open. A part is closed, and
// uploaded, when it holds Records records or has been open Interval,
// whichever comes first; the run waits for an upload only when two parts
// are queued. A local folder holds one responses.jsonl, written as records
// complete, and ignores ResponseParts.
type ResponseParts struct {
	// Records is the number of records of a part. Zero means
	// DefaultPartRecords; negative is an error.
	Records int
	// Interval is the time after which a part holding records is closed.
	// Zero means DefaultPartInterval; negative is an error.
	Interval time.Duration
}

func (p ResponseParts) records() int {
	if p.Records == 0 {
		return DefaultPartRecords
	}
	return p.Records
}

func (p ResponseParts) interval() time.Duration {
	if p.Interval == 0 {
		return DefaultPartInterval
	}
	return p.Interval
}

// partName returns the name, in a run folder, of part i.
func partName(i int) string {
	return fmt.Sprintf("%s/part-%05d.jsonl", ResponsesDir, i)
}

// partNames returns the parts among the names of a folder's files (see
// folder.list), in part order: by number, so that part 100000 follows
// part 99999.
func partNames(names []string) []string {
	type part struct {
		name string
		n    int
	}
	var parts []part
	for _, name := range names {
		dir, base := path.Split(name)
		if dir != ResponsesDir+"/" || !strings.HasPrefix(base, "part-") || !strings.HasSuffix(base, ".jsonl") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(base, "part-"), ".jsonl"))
		if err != nil || n < 0 {
			continue
		}
		parts = append(parts, part{name, n})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].n < parts[j].n })
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.name
	}
	return out
}

// partWriter writes records to a bucket folder in parts. write appends to
// the open part; a part is sealed when full, or by the timer when it has
// been open long enough, and handed to the uploader goroutine, which
// writes it as one object. close seals the last part (or writes an empty
// first part when there were no records, so that the folder has its
// records' file), waits for every upload and returns the first error.
type partWriter struct {
	f       *folder
	records int

	mu   sync.Mutex // guards cur, n and next
	cur  []byte
	n    int // records in cur
	next int // number of the next part

	// errMu guards err apart from mu: the uploader sets err while a
	// sealer holding mu may wait for it.
	errMu  sync.Mutex
	err    error
	queue  chan part
	stop   chan struct{}
	done   sync.WaitGroup
	closed bool
}

type part struct {
	i    int
	data []byte
}

func newPartWriter(f *folder, p ResponseParts) *partWriter {
	w := &partWriter{f: f, records: p.records(), queue: make(chan part, 1), stop: make(chan struct{})}
	w.done.Add(2)
	go w.upload()
	go w.tick(p.interval())
	return w
}

// upload writes the sealed parts, in order.
func (w *partWriter) upload() {
	defer w.done.Done()
	for p := range w.queue {
		name := partName(p.i)
		if err := w.f.writeFile(name, p.data); err != nil {
			w.errMu.Lock()
			if w.err == nil {
				w.err = fmt.Errorf("llmtest: writing %s: %w", w.f.name(name), err)
			}
			w.errMu.Unlock()
		}
	}
}

// tick seals the open part every interval, when it holds records.
func (w *partWriter) tick(interval time.Duration) {
	defer w.done.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.mu.Lock()
			w.seal(false)
			w.mu.Unlock()
		}
	}
}

// seal queues the open part, when it holds records or empty is set. It
// is called with mu held; it blocks while another part waits for upload.
func (w *partWriter) seal(empty bool) {
	if w.n == 0 && !empty {
		return
	}
	w.queue <- part{w.next, w.cur}
	w.next++
	w.cur, w.n = nil, 0
}

// write appends one record, a line with its newline.
func (w *partWriter) write(line []byte) error {
	if err := w.failure(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cur = append(w.cur, line...)
	w.n++
	if w.n >= w.records {
		w.seal(false)
	}
	return nil
}

func (w *partWriter) close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	close(w.stop)
	w.mu.Lock()
	w.seal(w.next == 0)
	close(w.queue)
	w.mu.Unlock()
	w.done.Wait()
	return w.failure()
}

// failure returns the first upload error.
func (w *partWriter) failure() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}
