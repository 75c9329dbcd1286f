package llmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// A Bucket is object storage that holds run folders: a flat namespace of
// keys, where a run folder is the keys under a prefix ("runs/r1/") and a
// file of it one object ("runs/r1/summary.json"). Package llmtest knows no
// cloud: a driver package registers the URL schemes it serves with
// [RegisterBucket], as database/sql drivers do, and a program imports it
// for its side effect:
//
//	import _ "github.com/llmtest/llmtest/storage/blob" // s3://, gs://, azblob://
//
// The methods are called with a context that the run's cancellation does
// not reach, so that an interrupted run still writes what finished.
type Bucket interface {
	// NewWriter returns a writer of the object key. The object appears,
	// whole, when Close returns nil; until then no reader sees it.
	NewWriter(ctx context.Context, key string) (io.WriteCloser, error)
	// NewReader returns a reader of the object key; a missing object is an
	// error wrapping fs.ErrNotExist.
	NewReader(ctx context.Context, key string) (io.ReadCloser, error)
	// List returns the keys that begin with prefix, in any order.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes the object key; a missing object is no error.
	Delete(ctx context.Context, key string) error
	// Close releases the bucket's resources.
	Close() error
}

// A BucketOpener opens the bucket a URL names. It receives the URL without
// its path (the path is the run folder's key prefix, which llmtest keeps):
// the scheme, the host (the bucket's name) and the query (the driver's
// options, such as region).
type BucketOpener func(ctx context.Context, u *url.URL) (Bucket, error)

var buckets struct {
	sync.RWMutex
	m map[string]BucketOpener
}

// RegisterBucket makes the URL scheme (such as "s3") usable in
// Config.OutputPath, LoadResult, Merge and the command line, opened by
// open. It panics when open is nil or the scheme is registered twice, as
// sql.Register does; "file" is llmtest's own (a local folder) and cannot
// be registered.
func RegisterBucket(scheme string, open BucketOpener) {
	buckets.Lock()
	defer buckets.Unlock()
	if open == nil {
		panic("llmtest: RegisterBucket opener is nil")
	}
	if scheme == "file" || scheme == "" {
		panic(fmt.Sprintf("llmtest: RegisterBucket: scheme %q is reserved", scheme))
	}
	if _, dup := buckets.m[scheme]; dup {
		panic("llmtest: RegisterBucket called twice for scheme " + scheme)
	}
	if buckets.m == nil {
		buckets.m = map[string]BucketOpener{}
	}
	buckets.m[scheme] = open
}

// BucketSchemes returns the registered URL schemes, sorted.
func BucketSchemes() []string {
	buckets.RLock()
	defer buckets.RUnlock()
	s := make([]string, 0, len(buckets.m))
	for k := range buckets.m {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// ErrNoBucketDriver is wrapped by the error for a URL whose scheme no
// imported package registered.
var ErrNoBucketDriver = errors.New("no storage driver for this URL scheme")

// CheckOutputPath checks that p is a local folder, a file:// URL or a URL
// of a registered bucket scheme, without opening anything. Its error never
// repeats the URL's user information or query, which may hold secrets.
func CheckOutputPath(p string) error {
	_, err := parseLocation(p)
	return err
}

// JoinOutputPath returns the folder name inside base: filepath.Join for a
// local folder, the name appended to the path of a bucket URL (its query
// kept). It is how a run's folder, Config.OutputPath/RunName, is named.
func JoinOutputPath(base, name string) string {
	if _, ok := urlScheme(base); !ok {
		return filepath.Join(base, name)
	}
	u, err := url.Parse(base)
	if err != nil {
		return base + "/" + name
	}
	u.Path = path.Join("/", u.Path, name)
	u.RawPath = ""
	return u.String()
}

// WriteOutputFile writes data as the file name in the folder p names: a
// local folder, created if missing, or a bucket URL's prefix, as
// Config.OutputPath takes. It is how a report that is not a run's, such
// as a latency heatmap's, is saved beside the runs. An error names the
// file, never a URL's user information or query.
func WriteOutputFile(p, name string, data []byte) error {
	fo, err := openFolder(p)
	if err != nil {
		return err
	}
	err = fo.mkdir()
	if err == nil {
		err = fo.writeFile(name, data)
	}
	if err != nil {
		err = fmt.Errorf("llmtest: writing %s: %w", fo.name(name), err)
	}
	return errors.Join(err, fo.Close())
}

// ReadOutputFile returns the contents of the file name in the folder p
// names, a local folder or a bucket URL. A missing file is an error
// wrapping fs.ErrNotExist. An error names the file, never a URL's user
// information or query.
func ReadOutputFile(p, name string) ([]byte, error) {
	fo, err := openFolder(p)
	if err != nil {
		return nil, err
	}
	data, err := fo.readFile(name)
	if err != nil {
		err = fmt.Errorf("llmtest: reading %s: %w", fo.name(name), err)
	}
	return data, errors.Join(err, fo.Close())
}

// RedactOutputPath returns p as llmtest shows it in messages and writes it
// in artifacts: a bucket URL without its user information and query (a
// driver's options may hold a secret), a local path unchanged.
func RedactOutputPath(p string) string {
	if _, ok := urlScheme(p); !ok {
		return p
	}
	u, err := url.Parse(p)
	if err != nil {
		return "(an unparsable URL)"
	}
	if u.Host == "" && u.Path == "" {
		return u.Scheme + "://" // url.URL's String gives "s3:"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// location is a parsed output path: a local folder, or a key prefix in the
// bucket of a URL.
type location struct {
	local  string   // the folder, when the path is not a bucket URL
	bucket *url.URL // the bucket: scheme, host and query; nil for a local folder
	open   BucketOpener
	prefix string // the folder's keys' prefix: "" or "a/b/"
	shown  string // the location in messages: RedactOutputPath
}

// parseLocation parses an output path. A file:// URL is its local folder.
func parseLocation(p string) (location, error) {
	scheme, ok := urlScheme(p)
	if !ok {
		return location{local: p, shown: p}, nil
	}
	u, err := url.Parse(p)
	if err != nil {
		return location{}, fmt.Errorf("a %s:// URL that does not parse", scheme)
	}
	shown := RedactOutputPath(p)
	if u.User != nil {
		return location{}, fmt.Errorf("%s: user information in a URL is refused, as it may hold a secret; give credentials the driver's way (environment, profile)", shown)
	}
	if scheme == "file" {
		if u.Host != "" && u.Host != "localhost" {
			return location{}, fmt.Errorf("%s: a file:// URL names a local folder, not host %q", shown, u.Host)
		}
		if u.RawQuery != "" {
			return location{}, fmt.Errorf("%s: a file:// URL takes no query", shown)
		}
		if u.Path == "" {
			return location{}, fmt.Errorf("%s: a file:// URL needs a path", shown)
		}
		return location{local: filepath.FromSlash(u.Path), shown: u.Path}, nil
	}
	buckets.RLock()
	open := buckets.m[scheme]
	buckets.RUnlock()
	if open == nil {
		have := "none"
		if s := BucketSchemes(); len(s) > 0 {
			have = strings.Join(s, ", ")
		}
		return location{}, fmt.Errorf("%s: %w %s:// (registered: %s; import github.com/llmtest/llmtest/storage/blob for s3://, gs:// and azblob://)", shown, ErrNoBucketDriver, scheme, have)
	}
	if u.Host == "" {
		return location{}, fmt.Errorf("%s: the URL names no bucket", shown)
	}
	prefix := strings.Trim(path.Clean("/"+u.Path), "/")
	if prefix != "" {
		prefix += "/"
	}
	b := &url.URL{Scheme: u.Scheme, Host: u.Host, RawQuery: u.RawQuery}
	return location{bucket: b, open: open, prefix: prefix, shown: shown}, nil
}

// folder is an opened run folder: a local directory, or a prefix of an
// opened bucket. Its operations use a context the run's cancellation does
// not reach.
type folder struct {
	loc location
	b   Bucket // nil for a local folder
	ctx context.Context
	own bool // b is closed by Close
}

// openFolder opens the folder p names; the caller closes it.
func openFolder(p string) (*folder, error) {
	loc, err := parseLocation(p)
	if err != nil {
		return nil, fmt.Errorf("llmtest: %w", err)
	}
	f := &folder{loc: loc, ctx: context.Background()}
	if loc.bucket == nil {
		return f, nil
	}
	b, err := loc.open(f.ctx, loc.bucket)
	if err != nil {
		return nil, fmt.Errorf("llmtest: opening %s: %w", loc.shown, err)
	}
	f.b, f.own = b, true
	return f, nil
}

// Close closes the folder's bucket, if it opened one.
func (f *folder) Close() error {
	if f.b == nil || !f.own {
		return nil
	}
	if err := f.b.Close(); err != nil {
		return fmt.Errorf("llmtest: closing %s: %w", f.loc.shown, err)
	}
	return nil
}

// isBucket reports whether the folder is in a bucket.
func (f *folder) isBucket() bool { return f.b != nil }

// sub returns the folder name inside f, sharing its bucket.
func (f *folder) sub(name string) *folder {
	s := *f
	s.own = false
	if f.b == nil {
		s.loc.local = filepath.Join(f.loc.local, name)
		s.loc.shown = s.loc.local
		return &s
	}
	s.loc.prefix = f.loc.prefix + name + "/"
	s.loc.shown = strings.TrimSuffix(f.loc.shown, "/") + "/" + name
	return &s
}

// name returns the file's name in messages.
func (f *folder) name(file string) string {
	if f.b == nil {
		return filepath.Join(f.loc.local, file)
	}
	return strings.TrimSuffix(f.loc.shown, "/") + "/" + file
}

// key returns the file's object key.
func (f *folder) key(file string) string { return f.loc.prefix + file }

// mkdir creates a local folder; a bucket needs none.
func (f *folder) mkdir() error {
	if f.b != nil {
		return nil
	}
	return os.MkdirAll(f.loc.local, 0o755)
}

// create returns a writer of a new file; a bucket's object appears when
// the writer is closed.
func (f *folder) create(file string) (io.WriteCloser, error) {
	if f.b == nil {
		p := filepath.Join(f.loc.local, file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		return os.Create(p)
	}
	return f.b.NewWriter(f.ctx, f.key(file))
}

// writeFile writes data to the file, whole: as a bucket's object appears
// only once uploaded, a local file is written beside its name and renamed
// onto it, so that a process killed mid-write leaves the old file or none,
// never a truncated one (a merge reads a killed shard's run_config.json).
func (f *folder) writeFile(file string, data []byte) error {
	if f.b == nil {
		return writeFileAtomic(filepath.Join(f.loc.local, file), data)
	}
	w, err := f.b.NewWriter(f.ctx, f.key(file))
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return errors.Join(err, w.Close())
}

// writeFileAtomic writes data to a temporary file in the folder of name
// and renames it to name, mode 0644.
func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// open returns a reader of the file; a missing file is an error wrapping
// fs.ErrNotExist.
func (f *folder) open(file string) (io.ReadCloser, error) {
	if f.b == nil {
		return os.Open(filepath.Join(f.loc.local, file))
	}
	return f.b.NewReader(f.ctx, f.key(file))
}

// readFile returns the file's contents.
func (f *folder) readFile(file string) ([]byte, error) {
	r, err := f.open(file)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(r)
	return b.Bytes(), err
}

// exists reports whether the file exists.
func (f *folder) exists(file string) (bool, error) {
	if f.b == nil {
		_, err := os.Stat(filepath.Join(f.loc.local, file))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	keys, err := f.b.List(f.ctx, f.key(file))
	if err != nil {
		return false, err
	}
	return slices.Contains(keys, f.key(file)), nil
}

// remove removes the file; a missing file is no error.
func (f *folder) remove(file string) error {
	if f.b == nil {
		err := os.Remove(filepath.Join(f.loc.local, file))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return f.b.Delete(f.ctx, f.key(file))
}

// list returns the names, relative to the folder, of the files under dir
// (a sub-folder, "" for all), sorted; a missing folder has none.
func (f *folder) list(dir string) ([]string, error) {
	var names []string
	if f.b == nil {
		root := filepath.Join(f.loc.local, dir)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == root && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll
				}
				return err
			}
			if !d.IsDir() {
				rel, err := filepath.Rel(f.loc.local, p)
				if err != nil {
					return err
				}
				names = append(names, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		prefix := f.loc.prefix
		if dir != "" {
			prefix += strings.TrimSuffix(dir, "/") + "/"
		}
		keys, err := f.b.List(f.ctx, prefix)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			names = append(names, strings.TrimPrefix(k, f.loc.prefix))
		}
	}
	sort.Strings(names)
	return names, nil
}

// isFolder reports whether the folder exists: a local directory, or a
// prefix with at least one key.
func (f *folder) isFolder() (bool, error) {
	if f.b == nil {
		fi, err := os.Stat(f.loc.local)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return fi.IsDir(), nil
	}
	keys, err := f.b.List(f.ctx, f.loc.prefix)
	return len(keys) > 0, err
}

// CheckRunFolder checks that p names an existing run folder — a local
// directory, or a bucket URL with at least one object under it — opening
// its bucket if it is one. Its error names p, redacted (see
// RedactOutputPath).
func CheckRunFolder(p string) error {
	f, err := openFolder(p)
	if err != nil {
		return err
	}
	defer f.Close()
	ok, err := f.isFolder()
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", f.loc.shown, err)
	case !ok && f.b == nil:
		if _, serr := os.Stat(f.loc.local); serr == nil {
			return fmt.Errorf("%s: not a folder", f.loc.shown)
		}
		return fmt.Errorf("%s: no such run folder", f.loc.shown)
	case !ok:
		return fmt.Errorf("%s: no such run folder (no object under it)", f.loc.shown)
	}
	return nil
}
