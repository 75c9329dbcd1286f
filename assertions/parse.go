package assertions

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ErrInvalidThreshold is wrapped by every error about an invalid threshold
// expression.
var ErrInvalidThreshold = errors.New("invalid threshold")

// ParseError reports the first problem of a threshold expression. Its
// message quotes the expression, names the offending token and gives its
// column:
//
//	assertions: "ttft p99 < 800xs": unknown unit "xs" at column 15
type ParseError struct {
	// Expr is the expression as given.
	Expr string
	// Column is the 1-based position of Token in Expr, counted in
	// characters (runes); len+1 at the end of the expression.
	Column int
	// Token is the offending token as written; empty at the end of the
	// expression.
	Token string
	// Msg says what is wrong, naming the token.
	Msg string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("assertions: %q: %s at column %d", e.Expr, e.Msg, e.Column)
}

// Unwrap returns ErrInvalidThreshold.
func (e *ParseError) Unwrap() error { return ErrInvalidThreshold }

// Parse parses and validates one threshold expression (see the package
// documentation for the language). The error, a [*ParseError], names the
// first offending token and its column.
func Parse(expr string) (*Threshold, error) {
	p := &parser{expr: expr, src: []rune(expr)}
	th, err := p.parse()
	if err != nil {
		return nil, err
	}
	return th, nil
}

// Validate parses and validates every expression and returns their errors
// joined ([errors.Join]), one line each, or nil when all are valid. A
// command line calls it on its --slo flags before sending any load.
func Validate(exprs ...string) error {
	var errs []error
	for _, e := range exprs {
		if _, err := Parse(e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tValue // a number and its unit, written together
	tOp
	tLParen
	tRParen
	tComma
)

// token is a lexical token. col is 1-based, in runes. For a tValue, text
// is the number and unit (the unit alone, at unitCol) the rest.
type token struct {
	kind    tokenKind
	text    string
	col     int
	unit    string
	unitCol int
}

// describe names the token for "want X, got Y" messages.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of expression"
	}
	return fmt.Sprintf("%q", t.text)
}

// span is where a part of the threshold was written.
type span struct {
	col  int
	text string
}

// spans records where the parts of a threshold were written, to point
// validation issues at their tokens.
type spans struct {
	stat, agg, op, number, unit, value span
	conds                              []spans
}

func (s *spans) of(p part) span {
	switch p {
	case partAggregate:
		return s.agg
	case partOp:
		return s.op
	case partNumber:
		return s.number
	case partUnit:
		return s.unit
	case partValue:
		return s.value
	}
	return s.stat
}

type parser struct {
	expr string
	src  []rune
	pos  int // next rune to lex
}

func (p *parser) errorf(t token, format string, args ...any) error {
	return &ParseError{Expr: p.expr, Column: t.col, Token: t.text, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() (*Threshold, error) {
	th := &Threshold{}
	sp := &spans{}
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if t.kind != tIdent {
		return nil, p.errorf(t, "want statistic, got %s", t.describe())
	}
	sp.stat = span{t.col, t.text}
	switch m, isMetric := lookupMetric(t.text); {
	case t.text == "goodput":
		if err := p.parseGoodput(th, sp); err != nil {
			return nil, err
		}
	case runNames[t.text] == RunGeneratorHealthy:
		th.Run = RunGeneratorHealthy
		end, err := p.next()
		if err != nil {
			return nil, err
		}
		if end.kind != tEOF {
			return nil, p.errorf(end, "%q takes no operator or value, got %s; write it alone", t.text, end.describe())
		}
		return th, nil
	case runNames[t.text] != "":
		th.Run = runNames[t.text]
	case isMetric:
		th.Metric = m
		a, err := p.next()
		if err != nil {
			return nil, err
		}
		if a.kind != tIdent {
			return nil, p.errorf(a, "want aggregate after %q, got %s", t.text, a.describe())
		}
		sp.agg = span{a.col, a.text}
		agg, ok := parseAggregate(a.text)
		if !ok {
			return nil, p.errorf(a, "unknown aggregate %q", a.text)
		}
		th.Aggregate = agg
	default:
		return nil, p.errorf(t, "unknown statistic %q", t.text)
	}

	op, err := p.parseOp()
	if err != nil {
		return nil, err
	}
	th.Op, sp.op = Op(op.text), span{op.col, op.text}
	if th.Value, err = p.parseValue(sp); err != nil {
		return nil, err
	}
	end, err := p.next()
	if err != nil {
		return nil, err
	}
	if end.kind != tEOF {
		return nil, p.errorf(end, "want end of expression, got %s", end.describe())
	}

	if is := validate(th, func(pt part, cond int) string {
		s := sp
		if cond >= 0 {
			s = &sp.conds[cond]
		}
		return s.of(pt).text
	}); is != nil {
		s := sp
		if is.cond >= 0 {
			s = &sp.conds[is.cond]
		}
		at := s.of(is.part)
		return nil, &ParseError{Expr: p.expr, Column: at.col, Token: at.text, Msg: is.msg}
	}
	return th, nil
}

// parseGoodput parses "(" condition { "," condition } ")" after "goodput".
func (p *parser) parseGoodput(th *Threshold, sp *spans) error {
	t, err := p.next()
	if err != nil {
		return err
	}
	if t.kind != tLParen {
		return p.errorf(t, `want "(" after "goodput", got %s`, t.describe())
	}
	th.Goodput = []Condition{}
	for {
		var c Condition
		var cs spans
		m, err := p.next()
		if err != nil {
			return err
		}
		if m.kind != tIdent {
			return p.errorf(m, "want metric, got %s", m.describe())
		}
		metric, ok := lookupMetric(m.text)
		if !ok {
			return p.errorf(m, "unknown metric %q", m.text)
		}
		c.Metric, cs.stat = metric, span{m.col, m.text}
		op, err := p.parseOp()
		if err != nil {
			return err
		}
		c.Op, cs.op = Op(op.text), span{op.col, op.text}
		if c.Value, err = p.parseValue(&cs); err != nil {
			return err
		}
		th.Goodput = append(th.Goodput, c)
		sp.conds = append(sp.conds, cs)
		sep, err := p.next()
		if err != nil {
			return err
		}
		switch sep.kind {
		case tComma:
			continue
		case tRParen:
			return nil
		}
		return p.errorf(sep, `want "," or ")", got %s`, sep.describe())
	}
}

func (p *parser) parseOp() (token, error) {
	t, err := p.next()
	if err != nil {
		return t, err
	}
	if t.kind != tOp {
		return t, p.errorf(t, "want operator, got %s", t.describe())
	}
	if !Op(t.text).valid() {
		return t, p.errorf(t, "operator %q not supported; use <, <=, > or >=", t.text)
	}
	return t, nil
}

func (p *parser) parseValue(sp *spans) (Value, error) {
	t, err := p.next()
	if err != nil {
		return Value{}, err
	}
	if t.kind != tValue {
		return Value{}, p.errorf(t, "want value, got %s", t.describe())
	}
	num := strings.TrimSuffix(t.text, t.unit)
	if !isNumber(num) {
		return Value{}, p.errorf(token{text: num, col: t.col}, "invalid number %q", num)
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return Value{}, p.errorf(token{text: num, col: t.col}, "number %q out of range", num)
	}
	unit := t.unit
	if unit == "us" || unit == "μs" { // U+03BC, Greek mu
		unit = "µs" // U+00B5, micro sign
	}
	sp.value = span{t.col, t.text}
	sp.number = span{t.col, num}
	sp.unit = span{t.unitCol, t.unit}
	if t.unit == "" {
		sp.number.text = t.text
	}
	return Value{Number: n, Unit: unit}, nil
}

// parseAggregate parses an aggregate word: avg, mean, min, max, median or
// p<number>. The percentile's range is validated later.
func parseAggregate(s string) (Aggregate, bool) {
	switch s {
	case "avg", "mean":
		return Aggregate{Func: AggAvg}, true
	case "min":
		return Aggregate{Func: AggMin}, true
	case "max":
		return Aggregate{Func: AggMax}, true
	case "median":
		return Aggregate{Func: AggPercentile, P: 50}, true
	}
	num, ok := strings.CutPrefix(s, "p")
	if !ok || !isNumber(num) {
		return Aggregate{}, false
	}
	p, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return Aggregate{}, false
	}
	return Aggregate{Func: AggPercentile, P: p}, true
}

// isNumber reports whether s is digits [ "." digits ].
func isNumber(s string) bool {
	intPart, frac, hasDot := strings.Cut(s, ".")
	return allDigits(intPart) && (!hasDot || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// next lexes the next token.
func (p *parser) next() (token, error) {
	for p.pos < len(p.src) && unicode.IsSpace(p.src[p.pos]) {
		p.pos++
	}
	start := p.pos
	col := start + 1
	if p.pos == len(p.src) {
		return token{kind: tEOF, col: col}, nil
	}
	take := func(ok func(rune) bool) string {
		from := p.pos
		for p.pos < len(p.src) && ok(p.src[p.pos]) {
			p.pos++
		}
		return string(p.src[from:p.pos])
	}
	switch r := p.src[p.pos]; {
	case r == '(' || r == ')' || r == ',':
		p.pos++
		kind := map[rune]tokenKind{'(': tLParen, ')': tRParen, ',': tComma}[r]
		return token{kind: kind, text: string(r), col: col}, nil
	case r == '<' || r == '>' || r == '=' || r == '!':
		p.pos++
		if p.pos < len(p.src) && p.src[p.pos] == '=' {
			p.pos++
		}
		return token{kind: tOp, text: string(p.src[start:p.pos]), col: col}, nil
	case isDigit(r) || r == '.':
		num := take(func(r rune) bool { return isDigit(r) || r == '.' })
		unitCol := p.pos + 1
		unit := take(func(r rune) bool { return unicode.IsLetter(r) || r == '%' })
		return token{kind: tValue, text: num + unit, col: col, unit: unit, unitCol: unitCol}, nil
	case unicode.IsLetter(r) || r == '_':
		word := take(func(r rune) bool { return unicode.IsLetter(r) || isDigit(r) || r == '_' || r == '.' })
		return token{kind: tIdent, text: word, col: col}, nil
	default:
		p.pos++
		return token{}, p.errorf(token{text: string(r), col: col}, "unexpected %q", string(r))
	}
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
