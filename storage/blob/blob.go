// Package blob lets llmtest write run folders to, and read them from,
// object storage through gocloud.dev/blob. Importing it, usually for its
// side effect, registers the URL schemes s3://, gs:// and azblob:// with
// [llmtest.RegisterBucket]:
//
//	import _ "github.com/llmtest/llmtest/storage/blob"
//
// after which Config.OutputPath, LoadResult, OpenResult, Merge and the
// command line (`llmtest run --out s3://bucket/prefix`, report, compare,
// merge) accept such URLs. A URL is gocloud's: the host is the bucket, the
// path the prefix under which run folders go, the query the driver's
// options (for S3, region, endpoint, use_path_style, profile and the
// others of gocloud.dev/aws.V2ConfigFromURLParams; for GCS and Azure,
// their packages' options). Credentials come the driver's way — the
// environment, a profile, workload identity — never from the URL.
//
// The drivers, and the AWS, Google Cloud and Azure SDKs behind them, are
// dependencies of this package alone: a program that does not import it
// does not link them, and package llmtest stays light.
//
// [New] adapts a *blob.Bucket opened some other way, and [Register]
// registers a scheme of one's own (a bucket with a custom client, such as
// an S3-compatible server).
package blob

import (
	"context"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strings"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"

	"github.com/llmtest/llmtest/llmtest"
)

// Schemes are the URL schemes the package registers, each opened by
// gocloud's default URL mux.
var Schemes = []string{"s3", "gs", "azblob"}

func init() {
	for _, s := range Schemes {
		Register(s, func(ctx context.Context, u *url.URL) (*blob.Bucket, error) {
			return blob.DefaultURLMux().OpenBucketURL(ctx, u)
		})
	}
}

// Register registers scheme with llmtest, its buckets opened by open (a
// *blob.Bucket is adapted by New). It panics when the scheme is
// registered already, as llmtest.RegisterBucket does.
func Register(scheme string, open func(ctx context.Context, u *url.URL) (*blob.Bucket, error)) {
	llmtest.RegisterBucket(scheme, func(ctx context.Context, u *url.URL) (llmtest.Bucket, error) {
		b, err := open(ctx, u)
		if err != nil {
			return nil, redact(err, u)
		}
		return New(b), nil
	})
}

// New returns b as an llmtest.Bucket; its Close closes b.
func New(b *blob.Bucket) llmtest.Bucket { return &bucket{b: b} }

type bucket struct{ b *blob.Bucket }

var _ llmtest.Bucket = (*bucket)(nil)

// NewWriter writes the object key; it appears when the writer is closed.
// Its content type follows the file's extension.
func (b *bucket) NewWriter(ctx context.Context, key string) (io.WriteCloser, error) {
	w, err := b.b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType(key)})
	if err != nil {
		return nil, mapError(err)
	}
	return writer{w}, nil
}

type writer struct{ w *blob.Writer }

func (w writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	return n, mapError(err)
}

func (w writer) Close() error { return mapError(w.w.Close()) }

// NewReader reads the object key; a missing one is an error wrapping
// fs.ErrNotExist.
func (b *bucket) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := b.b.NewReader(ctx, key, nil)
	if err != nil {
		return nil, mapError(err)
	}
	return r, nil
}

// List returns every key under prefix, in the flat namespace.
func (b *bucket) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	it := b.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return keys, nil
		}
		if err != nil {
			return nil, mapError(err)
		}
		keys = append(keys, obj.Key)
	}
}

// Delete removes key; a missing key is no error.
func (b *bucket) Delete(ctx context.Context, key string) error {
	err := b.b.Delete(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return mapError(err)
}

func (b *bucket) Close() error { return mapError(b.b.Close()) }

// contentType returns the MIME type of a run folder's file.
func contentType(key string) string {
	switch path.Ext(key) {
	case ".json":
		return "application/json"
	case ".jsonl":
		return "application/jsonl"
	case ".xml":
		return "application/xml"
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".csv":
		return "text/csv; charset=utf-8"
	}
	return "application/octet-stream"
}

// mapError makes gocloud's NotFound an error wrapping fs.ErrNotExist.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if gcerrors.Code(err) == gcerrors.NotFound {
		return &notFound{err}
	}
	return err
}

type notFound struct{ err error }

func (e *notFound) Error() string   { return e.err.Error() }
func (e *notFound) Unwrap() []error { return []error{e.err, fs.ErrNotExist} }

// redact returns err with the URL's query, which may hold a driver's
// option of some secrecy, left out of its text; it still wraps err.
func redact(err error, u *url.URL) error {
	if u.RawQuery == "" {
		return err
	}
	msg := err.Error()
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	msg = strings.ReplaceAll(msg, u.String(), shown)
	for _, q := range []string{u.RawQuery, u.Query().Encode()} {
		msg = strings.ReplaceAll(msg, q, "…")
	}
	return &redacted{msg: msg, err: err}
}

type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }
