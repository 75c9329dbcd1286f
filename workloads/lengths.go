package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// MaxLength is the longest prompt, in tokens, that a workload generates:
// 4,194,304 (4Mi), beyond the context window of nearly every model, and
// short enough that a run's prompts fit in memory. The generators refuse a
// longer prompt, rather than spend minutes and gigabytes building it;
// ParseLengths and LoadTrace refuse longer lengths, output limits
// included; a Normal or LogNormal draw above it is MaxLength.
const MaxLength = 1 << 22

// Lengths is a distribution of token lengths. Draw never returns less
// than 1.
type Lengths interface {
	// Draw returns one length drawn with r.
	Draw(r *rand.Rand) int
	// String returns the distribution in the syntax ParseLengths reads.
	String() string
}

// Fixed is a length that never varies.
type Fixed int

// Uniform draws an integer from Min to Max, both included, each with the
// same probability.
type Uniform struct{ Min, Max int }

// Normal draws from a normal distribution of mean Mean and standard
// deviation StdDev, rounded to the nearest integer; a draw below 1 is 1,
// and one above MaxLength is MaxLength.
type Normal struct{ Mean, StdDev float64 }

// LogNormal draws Median·exp(Sigma·Z), Z standard normal, rounded to the
// nearest integer; a draw below 1 is 1, and one above MaxLength is
// MaxLength. Median is the median of the lengths (e^μ of the underlying
// normal) and Sigma its shape (σ): about two thirds of the draws fall
// between Median/e^Sigma and Median·e^Sigma.
type LogNormal struct{ Median, Sigma float64 }

// List draws one of its lengths, each entry with the same probability (an
// empirical distribution: repeat a length to weight it).
type List []int

var (
	_ Lengths = Fixed(0)
	_ Lengths = Uniform{}
	_ Lengths = Normal{}
	_ Lengths = LogNormal{}
	_ Lengths = List(nil)
)

// Draw returns n.
func (n Fixed) Draw(*rand.Rand) int { return int(n) }

// String returns the length in decimal.
func (n Fixed) String() string { return strconv.Itoa(int(n)) }

// Draw returns an integer from u.Min to u.Max.
func (u Uniform) Draw(r *rand.Rand) int { return u.Min + r.IntN(u.Max-u.Min+1) }

// String returns "uniform:MIN,MAX".
func (u Uniform) String() string { return fmt.Sprintf("uniform:%d,%d", u.Min, u.Max) }

// Draw returns a rounded normal draw, at least 1.
func (n Normal) Draw(r *rand.Rand) int { return atLeastOne(n.Mean + n.StdDev*r.NormFloat64()) }

// String returns "normal:MEAN,STDDEV".
func (n Normal) String() string { return "normal:" + ftoa(n.Mean) + "," + ftoa(n.StdDev) }

// Draw returns a rounded log-normal draw, at least 1.
func (l LogNormal) Draw(r *rand.Rand) int {
	return atLeastOne(l.Median * math.Exp(l.Sigma*r.NormFloat64()))
}

// String returns "lognormal:MEDIAN,SIGMA".
func (l LogNormal) String() string { return "lognormal:" + ftoa(l.Median) + "," + ftoa(l.Sigma) }

// Draw returns one entry of l.
func (l List) Draw(r *rand.Rand) int { return l[r.IntN(len(l))] }

// String returns "list:A,B,...".
func (l List) String() string {
	s := make([]string, len(l))
	for i, n := range l {
		s[i] = strconv.Itoa(n)
	}
	return "list:" + strings.Join(s, ",")
}

func atLeastOne(x float64) int {
	if x < 1 || math.IsNaN(x) {
		return 1
	}
	if x > MaxLength {
		return MaxLength
	}
	return int(math.Round(x))
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// ParseLengths parses a distribution of token lengths:
//
//	512                 Fixed: always 512 tokens
//	uniform:MIN,MAX     Uniform: an integer in [MIN, MAX]
//	normal:MEAN,STDDEV  Normal: rounded, at least 1
//	lognormal:MEDIAN,SIGMA  LogNormal: rounded, at least 1
//	list:A,B,C          List: one of the entries, each equally likely
//
// Every length (MEAN and MEDIAN included) must be positive and at most
// MaxLength, MIN ≤ MAX, STDDEV and SIGMA not negative. An error quotes
// the input and says what is wrong.
func ParseLengths(s string) (Lengths, error) {
	kind, args, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found {
		n, err := positive(kind)
		switch {
		case errors.Is(err, errTooLong):
			return nil, fmt.Errorf("lengths %q: %v", s, err)
		case err != nil:
			return nil, fmt.Errorf("lengths %q: want a positive number or KIND:ARGS (uniform, normal, lognormal, list): %v", s, err)
		}
		return Fixed(n), nil
	}
	fields := strings.Split(args, ",")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("lengths %q: %s", s, fmt.Sprintf(format, a...))
	}
	switch kind {
	case "uniform":
		if len(fields) != 2 {
			return nil, bad("uniform takes MIN,MAX")
		}
		lo, err := positive(fields[0])
		if err != nil {
			return nil, bad("MIN: %v", err)
		}
		hi, err := positive(fields[1])
		if err != nil {
			return nil, bad("MAX: %v", err)
		}
		if lo > hi {
			return nil, bad("MIN %d is above MAX %d", lo, hi)
		}
		return Uniform{lo, hi}, nil
	case "normal", "lognormal":
		name := map[string][2]string{"normal": {"MEAN", "STDDEV"}, "lognormal": {"MEDIAN", "SIGMA"}}[kind]
		if len(fields) != 2 {
			return nil, bad("%s takes %s,%s", kind, name[0], name[1])
		}
		a, err := strconv.ParseFloat(fields[0], 64)
		switch {
		case err != nil || !(a > 0) || math.IsInf(a, 0):
			return nil, bad("%s: want a positive number, got %q", name[0], fields[0])
		case a > MaxLength:
			return nil, bad("%s: want at most %d tokens, got %q", name[0], MaxLength, fields[0])
		}
		b, err := strconv.ParseFloat(fields[1], 64)
		if err != nil || !(b >= 0) || math.IsInf(b, 0) {
			return nil, bad("%s: want a number not below 0, got %q", name[1], fields[1])
		}
		if kind == "normal" {
			return Normal{a, b}, nil
		}
		return LogNormal{a, b}, nil
	case "list":
		l := make(List, len(fields))
		for i, f := range fields {
			n, err := positive(f)
			if err != nil {
				return nil, bad("entry %d: %v", i+1, err)
			}
			l[i] = n
		}
		return l, nil
	}
	return nil, bad("unknown kind %q (known: uniform, normal, lognormal, list; or a plain number)", kind)
}

// errTooLong is positive's error for a length above MaxLength.
var errTooLong = fmt.Errorf("want at most %d tokens", MaxLength)

// positive parses a length from 1 to MaxLength.
func positive(s string) (int, error) {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil || n <= 0:
		return 0, fmt.Errorf("want a positive integer, got %q", s)
	case n > MaxLength:
		return 0, fmt.Errorf("%w, got %q", errTooLong, s)
	}
	return n, nil
}
