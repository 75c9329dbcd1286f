// Package redact removes secrets from text before the text reaches an
// error, a record, a log line or a file.
//
// Every provider holds one [Redactor] that knows every secret the endpoint
// holds: its API key, the values of headers marked secret, the user
// information and query values of its base URL (and the Basic
// Authorization value Go derives from them), and the AWS credentials and
// session tokens it signs with. The OTLP exporter (package export/otlp)
// redacts its headers' values the same way. Matching ignores ASCII case,
// so a server that echoes a key upper-cased does not leak it either.
package redact

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Redacted replaces a secret in text.
const Redacted = "[REDACTED]"

// MinLen is the length, in bytes, below which a secret is not redacted:
// replacing a shorter string would mangle ordinary text. Keys of local
// servers can be short ("llama-server --api-key secret"), so this floor is
// low; values that are only guessed to be secrets (a URL's user name and
// query values) must be MinGuessLen long.
const MinLen = 4

// MinGuessLen is the length, in bytes, from which URLSecrets takes a URL's
// user name or query value for a secret: shorter ones ("?api-version=1",
// "?stream=true") are more likely settings than credentials.
const MinGuessLen = 8

// maxLearned bounds the secrets a Redactor learns while it runs; a session
// token changes when credentials are refreshed, a few times an hour.
const maxLearned = 16

// Redactor replaces secrets in text with [Redacted]. A nil *Redactor
// redacts nothing. Its methods are safe for concurrent use.
type Redactor struct {
	static []string // lower-cased, longest first

	mu      sync.RWMutex
	learned []string // lower-cased, newest last
}

// New returns a Redactor for secrets. Empty secrets and those shorter than
// MinLen are ignored; duplicates are kept once.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if len(s) < MinLen {
			continue
		}
		s = lowerASCII(s)
		if !slices.Contains(r.static, s) {
			r.static = append(r.static, s)
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortStableFunc(r.static, func(a, b string) int { return len(b) - len(a) })
	return r
}

// Learn adds a secret met while running, such as a session token a request
// was signed with. Secrets shorter than MinLen are ignored; the Redactor
// keeps the most recent few.
func (r *Redactor) Learn(secret string) {
	if r == nil || len(secret) < MinLen {
		return
	}
	// Most calls meet a token already known: compare without lowering a
	// copy, so that they allocate nothing.
	folded := func(s string) bool { return strings.EqualFold(s, secret) }
	r.mu.RLock()
	known := slices.ContainsFunc(r.learned, folded) || slices.ContainsFunc(r.static, folded)
	r.mu.RUnlock()
	if known {
		return
	}
	secret = lowerASCII(secret)
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Contains(r.learned, secret) {
		return
	}
	if len(r.learned) == maxLearned {
		r.learned = append(r.learned[:0], r.learned[1:]...)
	}
	r.learned = append(r.learned, secret)
}

// Redact returns s with every secret replaced by Redacted, matched without
// regard to ASCII case. It returns s itself, without allocating, when s
// holds no secret.
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	// Learned secrets (session tokens, ~1 KB) first: a short static secret
	// inside one must not split it and leave its pieces.
	for _, secret := range r.learned {
		s = replaceFold(s, secret)
	}
	for _, secret := range r.static {
		s = replaceFold(s, secret)
	}
	return s
}

// Message prepares a server's or a transport's message for an error: one
// line (runs of white space folded into one space), without secrets, at
// most n bytes.
func (r *Redactor) Message(s string, n int) string {
	s = r.Redact(s)
	s = strings.Join(strings.Fields(s), " ")
	return Truncate(s, n)
}

// URLSecrets returns the secrets a URL carries: its password, decoded and
// as written, the user information as Go sends it in a Basic Authorization
// header (base64 of "user:password"), and its user name and query values of
// at least MinGuessLen bytes, decoded and query-escaped.
func URLSecrets(u *url.URL) []string {
	if u == nil {
		return nil
	}
	var out []string
	guess := func(v string) {
		if len(v) >= MinGuessLen {
			out = append(out, v, url.QueryEscape(v))
		}
	}
	if u.User != nil {
		// A service may take a token as the user name, so it may be a
		// secret too.
		user := u.User.Username()
		pw, _ := u.User.Password()
		guess(user)
		out = append(out, pw, url.QueryEscape(pw), u.User.String(),
			base64.StdEncoding.EncodeToString([]byte(user+":"+pw)))
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			guess(v)
		}
	}
	return out
}

// Truncate shortens s to at most n bytes without splitting a UTF-8
// sequence, marking the cut with "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := max(n, 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// replaceFold replaces every occurrence of secret (lower-cased) in s,
// ignoring ASCII case.
func replaceFold(s, secret string) string {
	i := indexFold(s, secret)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		b.WriteString(Redacted)
		s = s[i+len(secret):]
		i = indexFold(s, secret)
	}
	b.WriteString(s)
	return b.String()
}

// indexFold returns the index of the first occurrence of sub (lower-cased,
// non-empty) in s, ignoring ASCII case, or -1.
func indexFold(s, sub string) int {
	first := sub[0]
	for i := 0; i+len(sub) <= len(s); i++ {
		if lowerByte(s[i]) != first {
			continue
		}
		j := 1
		for j < len(sub) && lowerByte(s[i+j]) == sub[j] {
			j++
		}
		if j == len(sub) {
			return i
		}
	}
	return -1
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerByte(b[j])
			}
			return string(b)
		}
	}
	return s
}

// HeaderSecrets returns the secrets in the value of a header that holds a
// credential: the value, the credentials after its authentication scheme
// ("Bearer <token>" gives the token as well), and for the Basic scheme the
// decoded user name and password (RFC 7617), so that a server that echoes
// only the token or the password does not leak it.
func HeaderSecrets(value string) []string {
	out := []string{value}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(value), " ")
	if !ok {
		return out
	}
	cred = strings.TrimSpace(cred)
	out = append(out, cred)
	if strings.EqualFold(scheme, "Basic") {
		if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
			user, pw, _ := strings.Cut(string(b), ":")
			out = append(out, string(b), pw)
			if len(user) >= MinGuessLen {
				out = append(out, user)
			}
		}
	}
	return out
}
