package jsonscan

import "unicode/utf8"

// AppendQuote appends s to dst as a JSON string, quoted and escaped as
// encoding/json escapes it: '"' and '\\' with a backslash, control
// characters as \b, \f, \n, \r, \t or \u00XX, U+2028 and U+2029 as \u2028
// and \u2029, and, when escapeHTML is set (encoding/json's default), '<',
// '>' and '&' as \u003c, \u003e and \u0026. Each byte of invalid UTF-8
// becomes \ufffd. The result is what json.Marshal (escapeHTML) or an
// Encoder with SetEscapeHTML(false) writes for s, without the newline.
func AppendQuote(dst []byte, s string, escapeHTML bool) []byte {
	safe := &safeASCII
	if escapeHTML {
		safe = &safeHTML
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other control characters, and <, >, & for HTML
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// safeASCII and safeHTML tell the ASCII bytes that stand for themselves in
// a JSON string, without and with HTML escaping.
var safeASCII, safeHTML = func() (plain, html [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		plain[c] = c >= 0x20 && c != '"' && c != '\\'
		html[c] = plain[c] && c != '<' && c != '>' && c != '&'
	}
	return plain, html
}()
