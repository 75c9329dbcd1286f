package llmtest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/llmtest/llmtest/endpoints"
)

// ErrNoPayloads is returned when a payload source holds no payload.
var ErrNoPayloads = errors.New("no payloads")

// PayloadError reports a payload that cannot be read, naming where it came
// from: a file and line, or an index into the given slice.
type PayloadError struct {
	// Source is the file the payload came from, empty for Go values.
	Source string
	// Line is the 1-based line in Source, 0 when not known.
	Line int
	// Index is the payload's position in the run's payload list, -1 when
	// not known.
	Index int
	// Err is what is wrong.
	Err error
}

func (e *PayloadError) Error() string {
	var where string
	switch {
	case e.Source != "" && e.Line > 0:
		where = fmt.Sprintf("%s:%d", e.Source, e.Line)
	case e.Source != "":
		where = e.Source
	case e.Index >= 0:
		where = fmt.Sprintf("payload %d", e.Index)
	default:
		where = "payloads"
	}
	return "llmtest: " + where + ": " + e.Err.Error()
}

func (e *PayloadError) Unwrap() error { return e.Err }

// payloadOrigin says where a loaded payload came from, for error messages.
type payloadOrigin struct {
	source string
	line   int
}

// LoadPayloads reads payloads from a .json file (an object or an array of
// objects), a .jsonl file (one object per line of at most MaxPayloadLine
// bytes, blank lines skipped) or a directory of such files, read in name
// order. In a directory, names starting with a dot are ignored; any other
// file, or a directory inside it, is an error. A malformed line is a
// *PayloadError naming the file and line; a source without any payload is
// an error wrapping ErrNoPayloads.
func LoadPayloads(path string) ([]endpoints.Payload, error) {
	ps, _, err := loadPayloadPath(path)
	return ps, err
}

func loadPayloadPath(path string) ([]endpoints.Payload, []payloadOrigin, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, &PayloadError{Source: path, Index: -1, Err: err}
	}
	var files []string
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, nil, &PayloadError{Source: path, Index: -1, Err: err}
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") { // .gitkeep, .DS_Store and the like
				continue
			}
			full := filepath.Join(path, name)
			if e.IsDir() {
				return nil, nil, &PayloadError{Source: full, Index: -1, Err: errors.New("a folder inside a payload folder: payload folders are not read recursively; move its files up or point at it")}
			}
			if ext := strings.ToLower(filepath.Ext(name)); ext != ".json" && ext != ".jsonl" {
				return nil, nil, &PayloadError{Source: full, Index: -1, Err: errors.New("not a payload file: a payload folder holds only .json and .jsonl files (names starting with a dot are ignored)")}
			}
			files = append(files, full)
		}
		slices.Sort(files)
		if len(files) == 0 {
			return nil, nil, &PayloadError{Source: path, Index: -1, Err: fmt.Errorf("%w: no .json or .jsonl file in directory", ErrNoPayloads)}
		}
	} else {
		files = []string{path}
	}
	var (
		ps      []endpoints.Payload
		origins []payloadOrigin
	)
	for _, f := range files {
		fps, fos, err := loadPayloadFile(f)
		if err != nil {
			return nil, nil, err
		}
		ps = append(ps, fps...)
		origins = append(origins, fos...)
	}
	if len(ps) == 0 {
		return nil, nil, &PayloadError{Source: path, Index: -1, Err: ErrNoPayloads}
	}
	return ps, origins, nil
}

func loadPayloadFile(path string) ([]endpoints.Payload, []payloadOrigin, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &PayloadError{Source: path, Index: -1, Err: err}
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl":
		return readJSONL(f, path)
	case ".json":
		return readJSONDocument(f, path)
	default:
		return nil, nil, &PayloadError{Source: path, Index: -1, Err: errors.New("unsupported file type: want .json or .jsonl")}
	}
}

// MaxPayloadLine bounds one line of a .jsonl payload file, in bytes.
const MaxPayloadLine = 64 << 20

// maxPayloadLine is MaxPayloadLine, lowered by tests.
var maxPayloadLine = MaxPayloadLine

func readJSONL(r io.Reader, path string) ([]endpoints.Payload, []payloadOrigin, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, min(64<<10, maxPayloadLine)), maxPayloadLine)
	var (
		ps      []endpoints.Payload
		origins []payloadOrigin
		line    = 1
	)
	for ; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		p, err := decodeObject(b)
		if err != nil {
			return nil, nil, &PayloadError{Source: path, Line: line, Index: -1, Err: err}
		}
		ps = append(ps, p)
		origins = append(origins, payloadOrigin{source: path, line: line})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than the limit of %d bytes (llmtest.MaxPayloadLine)", maxPayloadLine)
		}
		return nil, nil, &PayloadError{Source: path, Line: line, Index: -1, Err: err}
	}
	if len(ps) == 0 {
		return nil, nil, &PayloadError{Source: path, Index: -1, Err: ErrNoPayloads}
	}
	return ps, origins, nil
}

func readJSONDocument(r io.Reader, path string) ([]endpoints.Payload, []payloadOrigin, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, &PayloadError{Source: path, Index: -1, Err: err}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil, &PayloadError{Source: path, Index: -1, Err: ErrNoPayloads}
	}
	if trimmed[0] != '[' {
		p, err := decodeObject(data)
		if err != nil {
			return nil, nil, &PayloadError{Source: path, Line: lineOf(data, err), Index: -1, Err: err}
		}
		return []endpoints.Payload{p}, []payloadOrigin{{source: path, line: 1}}, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, &PayloadError{Source: path, Line: lineOf(data, err), Index: -1, Err: err}
	}
	if len(raw) == 0 {
		return nil, nil, &PayloadError{Source: path, Index: -1, Err: ErrNoPayloads}
	}
	ps := make([]endpoints.Payload, 0, len(raw))
	origins := make([]payloadOrigin, 0, len(raw))
	for i, m := range raw {
		p, err := decodeObject(m)
		if err != nil {
			return nil, nil, &PayloadError{Source: path, Index: -1, Err: fmt.Errorf("element %d: %w", i, err)}
		}
		ps = append(ps, p)
		origins = append(origins, payloadOrigin{source: path})
	}
	return ps, origins, nil
}

// decodeObject decodes one JSON object, rejecting other JSON values and
// trailing data.
func decodeObject(b []byte) (endpoints.Payload, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: data after the object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", jsonKind(v))
	}
	return endpoints.Payload(m), nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// lineOf returns the 1-based line of a JSON syntax error's offset, or 0.
func lineOf(data []byte, err error) int {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && int(se.Offset) <= len(data) {
		return bytes.Count(data[:se.Offset], []byte("\n")) + 1
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Offset > 0 && int(te.Offset) <= len(data) {
		return bytes.Count(data[:te.Offset], []byte("\n")) + 1
	}
	return 0
}

// resolvePayloads turns Config.Payloads into a non-empty payload list.
func resolvePayloads(v any) ([]endpoints.Payload, []payloadOrigin, error) {
	var ps []endpoints.Payload
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil, nil, configErrorf("Payloads", "empty path")
		}
		return loadPayloadPath(v)
	case endpoints.Payload:
		if v == nil {
			return nil, nil, configErrorf("Payloads", "%v", ErrNoPayloads)
		}
		ps = []endpoints.Payload{v}
	case map[string]any:
		if v == nil {
			return nil, nil, configErrorf("Payloads", "%v", ErrNoPayloads)
		}
		ps = []endpoints.Payload{v}
	case []endpoints.Payload:
		ps = v
	case []map[string]any:
		ps = make([]endpoints.Payload, len(v))
		for i, m := range v {
			ps[i] = m
		}
	default:
		var err error
		if ps, err = payloadsFromValue(v); err != nil {
			return nil, nil, err
		}
	}
	if len(ps) == 0 {
		return nil, nil, configErrorf("Payloads", "%v", ErrNoPayloads)
	}
	for i, p := range ps {
		if p == nil {
			return nil, nil, &PayloadError{Index: i, Err: errors.New("nil payload")}
		}
	}
	return ps, nil, nil
}

// payloadsFromValue encodes any other Go value to JSON and reads it back as
// one object or an array of objects.
func payloadsFromValue(v any) ([]endpoints.Payload, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, configErrorf("Payloads", "cannot encode %T as JSON: %v", v, err)
	}
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, configErrorf("Payloads", "%T: %v", v, err)
		}
		ps := make([]endpoints.Payload, len(raw))
		for i, m := range raw {
			if ps[i], err = decodeObject(m); err != nil {
				return nil, &PayloadError{Index: i, Err: err}
			}
		}
		return ps, nil
	}
	p, err := decodeObject(b)
	if err != nil {
		return nil, configErrorf("Payloads", "%T: %v", v, err)
	}
	return []endpoints.Payload{p}, nil
}

// PayloadsDigest returns the digest of a set of payloads: "sha256:" and
// the hex SHA-256 of the sorted SHA-256 digests of each payload's JSON
// encoding (object keys sorted, as encoding/json writes a map). It does
// not depend on the payloads' order, and a payload read back from
// payload.jsonl has the digest of the one written. A run records it as
// its model's Config.PayloadsDigest, which [Merge] compares to tell shards
// of one test from runs of different ones. It is "" for no payloads, and
// for payloads one of which cannot be encoded.
func PayloadsDigest(ps []endpoints.Payload) string {
	if len(ps) == 0 {
		return ""
	}
	sums := make([][sha256.Size]byte, len(ps))
	for i, p := range ps {
		b, err := json.Marshal(p)
		if err != nil {
			return ""
		}
		sums[i] = sha256.Sum256(b)
	}
	slices.SortFunc(sums, func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	for _, s := range sums {
		h.Write(s[:])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
