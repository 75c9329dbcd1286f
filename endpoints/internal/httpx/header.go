package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/llmtest/llmtest/internal/redact"
)

// ValidHeaderName reports whether name is an HTTP field name: a token
// (RFC 9110, section 5.1).
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ValidHeaderValue reports whether v can be sent as a header value without
// changing the request's framing: it holds no CR, LF or NUL.
func ValidHeaderValue(v string) bool {
	return !strings.ContainsAny(v, "\r\n\x00")
}

// secretWords mark a header whose value is a credential.
var secretWords = [...]string{"key", "token", "secret", "auth", "cookie", "signature", "password"}

// SecretHeader reports whether a header's value is a credential, to be
// kept out of every text: its name contains, in any case, "key", "token",
// "secret", "auth", "cookie", "signature" or "password".
func SecretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// SetHeaders checks the extra headers of a provider's Config.Headers and
// sets them on h, over what h holds; it returns the secrets in the values
// of the headers that hold credentials (see SecretHeader and
// redact.HeaderSecrets: "Bearer <token>" gives the token too), for the
// provider's Redactor. An error names
// the header at fault, as "<provider>: Config.Headers[...]".
func SetHeaders(h http.Header, headers map[string]string, provider string) (secrets []string, err error) {
	for name, value := range headers {
		if !ValidHeaderName(name) {
			return nil, fmt.Errorf("%s: Config.Headers: invalid header name %q", provider, name)
		}
		if !ValidHeaderValue(value) {
			return nil, fmt.Errorf("%s: Config.Headers[%q]: value contains a line break or NUL", provider, name)
		}
		h.Set(name, value)
		if SecretHeader(name) {
			secrets = append(secrets, redact.HeaderSecrets(value)...)
		}
	}
	return secrets, nil
}

// URLError describes a URL that url.Parse refused, for "<field>: not a
// valid URL". url.Parse's error quotes the URL, and its cause can quote a
// part of it ("invalid port \":hunter2\" after host" for a password with
// a slash in it), so the cause is shown only for a URL that holds no user
// information, and without the secrets r knows; for a URL with user
// information, the error says how to write credentials.
func URLError(field, raw string, err error, r *redact.Redactor) error {
	msg := field + ": not a valid URL"
	var uerr *url.Error
	switch {
	case strings.Contains(raw, "@"):
		msg += " (percent-encode the user name and password in it: a '/', '?', '#' or '@' there ends them)"
	case errors.As(err, &uerr):
		msg += ": " + r.Redact(uerr.Err.Error())
	}
	return errors.New(msg)
}
