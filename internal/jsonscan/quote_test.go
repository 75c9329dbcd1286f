package jsonscan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// marshal is encoding/json's quoting of s, with or without HTML escaping.
func marshal(t testing.TB, s string, escapeHTML bool) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

var quoteSeeds = []string{
	"", "plain", `quote" back\`, "\x00\x01\b\f\n\r\t\x1f\x7f", "<script>&amp;</script>",
	"\u2028\u2029", "日本語 é 😀", "bad\xc3", "\xff\xfe", "\xed\xa0\x80", "a\u2028b<c",
	strings.Repeat("long plain text ", 20),
}

func TestAppendQuoteMatchesEncodingJSON(t *testing.T) {
	for _, s := range quoteSeeds {
		for _, html := range []bool{false, true} {
			assert.Equal(t, marshal(t, s, html), string(AppendQuote(nil, s, html)), "%q, escapeHTML %v", s, html)
		}
	}
	assert.Equal(t, `x"\u003c"`, string(AppendQuote([]byte("x"), "<", true)), "appends to dst")
}

func TestAppendQuoteDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendQuote(buf[:0], "Hello, \"world\"\n\u00e9\xff <b>", true)
	})
	assert.Zero(t, allocs)
}

func FuzzAppendQuote(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{false, true} {
			if got, want := string(AppendQuote(nil, s, html)), marshal(t, s, html); got != want {
				t.Fatalf("%q, escapeHTML %v: got %s, want %s", s, html, got, want)
			}
		}
	})
}
