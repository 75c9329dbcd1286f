package redact

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const key = "sk-Test-Secret-1234"

func TestRedactIgnoresASCIICase(t *testing.T) {
	r := New(key)
	for _, in := range []string{
		"key " + key + " echoed",
		"key " + strings.ToUpper(key) + " echoed",
		"key " + strings.ToLower(key) + " echoed",
	} {
		assert.Equal(t, "key [REDACTED] echoed", r.Redact(in), in)
	}
	assert.Equal(t, "[REDACTED][REDACTED]", r.Redact(key+strings.ToUpper(key)))
}

func TestRedactLeavesCleanTextAlone(t *testing.T) {
	r := New(key)
	in := "nothing to see here, sk-Test-Secret-123 is a prefix only"
	assert.Equal(t, in, r.Redact(in))
	allocs := testing.AllocsPerRun(100, func() { _ = r.Redact(in) })
	assert.Zero(t, allocs, "clean text is returned without allocating")
}

func TestShortAndEmptySecretsAreIgnored(t *testing.T) {
	r := New("", "abc", "ab")
	assert.Equal(t, "a short abc text", r.Redact("a short abc text"))
	r = New("test") // llama-server --api-key test
	assert.Equal(t, "a [REDACTED] text", r.Redact("a TEST text"))
	var nilR *Redactor
	assert.Equal(t, "text", nilR.Redact("text"))
	nilR.Learn("whatever-secret") // no panic
}

func TestLongestSecretFirst(t *testing.T) {
	r := New("abcdefgh", "abcdefgh-ijkl")
	assert.Equal(t, "[REDACTED] and [REDACTED]", r.Redact("abcdefgh-ijkl and ABCDEFGH"))
}

func TestLearn(t *testing.T) {
	r := New(key)
	r.Learn("session-token-XYZ-0001")
	assert.Equal(t, "t=[REDACTED]", r.Redact("t=SESSION-TOKEN-xyz-0001"))
	for i := range maxLearned + 4 {
		r.Learn("learned-secret-" + string(rune('a'+i)))
	}
	assert.Len(t, r.learned, maxLearned)
	assert.Equal(t, "[REDACTED]", r.Redact("learned-secret-"+string(rune('a'+maxLearned+3))))
}

func TestMessage(t *testing.T) {
	r := New(key)
	got := r.Message("bad\n  key:\t"+key+"  "+strings.Repeat("é", 20), 30)
	assert.Equal(t, "bad key: [REDACTED] ééééé…", got)
}

func TestURLSecrets(t *testing.T) {
	u, err := url.Parse("https://user-name:p%40ss-word-1@example.test/v1?api_key=query-secret-1&x=q+s%2Fsecret")
	require.NoError(t, err)
	r := New(URLSecrets(u)...)
	for _, leak := range []string{
		"p@ss-word-1", "P@SS-WORD-1", "p%40ss-word-1",
		"dXNlci1uYW1lOnBAc3Mtd29yZC0x", // base64("user-name:p@ss-word-1"), as in Authorization: Basic
		"query-secret-1", "q s/secret", "q+s%2Fsecret",
		"user-name",
	} {
		assert.Equal(t, "<"+Redacted+">", r.Redact("<"+leak+">"), leak)
	}
	assert.Nil(t, URLSecrets(nil))

	// Short user names and query values are settings more likely than
	// secrets; a password is always a secret.
	u, err = url.Parse("https://bob:pw42@example.test/v1?api-version=1&stream=true")
	require.NoError(t, err)
	r = New(URLSecrets(u)...)
	assert.Equal(t, "bob stream=true api-version=1 [REDACTED]", r.Redact("bob stream=true api-version=1 pw42"))
}

func TestTruncate(t *testing.T) {
	assert.Equal(t, "abc", Truncate("abc", 3))
	assert.Equal(t, "ab…", Truncate("abcd", 2))
	assert.Equal(t, "…", Truncate("éé", 1))
	assert.Equal(t, "é…", Truncate("éé", 3))
}

func BenchmarkRedactCleanText(b *testing.B) {
	r := New(key, "another-secret-value")
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		_ = r.Redact(text)
	}
}

func TestHeaderSecrets(t *testing.T) {
	r := New(HeaderSecrets("Bearer gw-token-0123456789abcdef")...)
	assert.Equal(t, "bad token [REDACTED]", r.Redact("bad token gw-token-0123456789abcdef"))
	assert.Equal(t, "[REDACTED]", r.Redact("Bearer gw-token-0123456789abcdef"))

	// base64("service-account:hunter2-pass")
	r = New(HeaderSecrets("Basic c2VydmljZS1hY2NvdW50Omh1bnRlcjItcGFzcw==")...)
	for _, leak := range []string{"hunter2-pass", "service-account", "c2VydmljZS1hY2NvdW50Omh1bnRlcjItcGFzcw=="} {
		assert.Equal(t, "<[REDACTED]>", r.Redact("<"+leak+">"), leak)
	}
	assert.Equal(t, []string{"plain-key-value"}, HeaderSecrets("plain-key-value"))
}

func TestLearnKnownSecretAllocatesNothing(t *testing.T) {
	r := New(key)
	token := "Session-Token-" + strings.Repeat("Ab", 400)
	r.Learn(token)
	assert.Zero(t, testing.AllocsPerRun(100, func() { r.Learn(token) }), "a known token, as each signed request brings it")
	// A static secret inside a learned token does not split it.
	r = New("Ab-inner")
	r.Learn("outer-Ab-inner-token")
	assert.Equal(t, "x [REDACTED] y", r.Redact("x outer-Ab-inner-token y"))
}
