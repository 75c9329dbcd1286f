package servermetrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// DefaultTimeout bounds one scrape when Callback.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// MaxBody bounds the size of a scraped /metrics page.
const MaxBody = 32 << 20

// prefixes name the servers whose metric families are kept, by the
// prefix of their names.
var prefixes = []struct{ prefix, server string }{
	{"vllm:", reporters.ServerVLLM},
	{"llamacpp:", reporters.ServerLlamaCpp},
}

// Scrape is one scrape of a Prometheus /metrics page.
type Scrape struct {
	// Time is when the page's headers arrived (UTC).
	Time time.Time
	// Families are the page's metric families, by name.
	Families map[string]*dto.MetricFamily
}

// Redact returns rawURL without user info, query or fragment, for
// messages; a URL that does not parse is shown as "(unparsable URL)".
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// Get scrapes rawURL with client: a GET asking for the Prometheus text
// format, which must answer 200, parsed with Prometheus' text parser. A
// nil client means http.DefaultClient on a connection of its own, closed
// once the page is read, so that no kept-alive connection (and none of
// its goroutines) outlives the scrape. It blocks until the page is read
// or ctx ends. An error names the redacted URL.
func Get(ctx context.Context, client *http.Client, rawURL string) (*Scrape, error) {
	shown := Redact(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server metrics %s: want an http:// or https:// URL, such as http://localhost:8000/metrics", shown)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("server metrics %s: %v", shown, err)
	}
	if client == nil {
		client = http.DefaultClient
		req.Close = true
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error quotes the whole URL: report its cause alone.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("server metrics %s: %v", shown, err)
	}
	defer resp.Body.Close()
	at := time.Now().UTC()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("server metrics %s: HTTP %s", shown, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && mt != "text/plain" {
			return nil, fmt.Errorf("server metrics %s: content type %q, want the Prometheus text format (text/plain)", shown, mt)
		}
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return nil, fmt.Errorf("server metrics %s: %v", shown, err)
	}
	return &Scrape{Time: at, Families: fams}, nil
}

// Compare returns what changed between two scrapes of rawURL: each metric
// family of a known server ("vllm:…", "llamacpp:…") in after, in name
// order, summed over its label sets; and a warning for each counter that
// went backwards (the server restarted: its delta is then its value
// after) and when no family of a known server was found. A nil before or
// after (a failed scrape) gives no series; the caller records why.
func Compare(rawURL string, before, after *Scrape) *reporters.ServerMetrics {
	sm := &reporters.ServerMetrics{URL: Redact(rawURL), Series: []reporters.ServerSeries{}}
	if before != nil {
		sm.Before = before.Time
	}
	if after != nil {
		sm.After = after.Time
	}
	if before == nil || after == nil {
		return sm
	}
	names := make([]string, 0, len(after.Families))
	for name := range after.Families {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		server := serverOf(name)
		if server == "" {
			continue
		}
		if sm.Server == "" {
			sm.Server = server
		}
		fa := after.Families[name]
		s := reporters.ServerSeries{Name: name, Type: typeOf(fa.GetType())}
		var countBefore, countAfter float64
		s.After, countAfter = total(fa)
		if fb := before.Families[name]; fb != nil && fb.GetType() == fa.GetType() {
			s.Before, countBefore = total(fb)
		}
		if s.Type != reporters.SeriesGauge {
			s.Delta, s.Count = s.After-s.Before, countAfter-countBefore
			if s.Delta < 0 || s.Count < 0 {
				sm.Warnings = append(sm.Warnings, fmt.Sprintf("server metrics %s: %s went down from %g to %g: the server restarted during the run; its delta counts from the restart", sm.URL, name, s.Before, s.After))
				s.Delta, s.Count = s.After, countAfter
			}
		}
		sm.Series = append(sm.Series, s)
	}
	if sm.Server == "" {
		sm.Warnings = append(sm.Warnings, fmt.Sprintf("server metrics %s: no vLLM (vllm:…) or llama.cpp (llamacpp:…) metrics found", sm.URL))
	}
	return sm
}

func serverOf(name string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(name, p.prefix) {
			return p.server
		}
	}
	return ""
}

func typeOf(t dto.MetricType) string {
	switch t {
	case dto.MetricType_COUNTER:
		return reporters.SeriesCounter
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		return reporters.SeriesHistogram
	case dto.MetricType_SUMMARY:
		return reporters.SeriesSummary
	}
	return reporters.SeriesGauge // gauges and untyped samples
}

// total sums a family over its label sets: the value of a counter or
// gauge, a histogram's or summary's sum and count of observations.
func total(f *dto.MetricFamily) (v, count float64) {
	for _, m := range f.GetMetric() {
		switch {
		case m.Counter != nil:
			v += m.GetCounter().GetValue()
		case m.Gauge != nil:
			v += m.GetGauge().GetValue()
		case m.Histogram != nil:
			v += m.GetHistogram().GetSampleSum()
			count += float64(m.GetHistogram().GetSampleCount())
		case m.Summary != nil:
			v += m.GetSummary().GetSampleSum()
			count += float64(m.GetSummary().GetSampleCount())
		case m.Untyped != nil:
			v += m.GetUntyped().GetValue()
		}
	}
	return v, count
}

// Callback scrapes URL when the run starts (BeforeRun) and when it ends
// (AfterRun), and sets the run's ServerMetrics to what changed (see
// Compare). A failed scrape is a warning in ServerMetrics.Warnings, also
// passed to Warn; the callback never fails the run. A Callback serves one
// run at a time; a sweep's levels, which run one after another, each get
// their own scrapes.
type Callback struct {
	llmtest.NopCallback
	// URL is the server's metrics page, such as
	// http://localhost:8000/metrics.
	URL string
	// Client sends the scrapes; nil means http.DefaultClient, with a
	// connection closed after each scrape (see [Get]).
	Client *http.Client
	// Timeout bounds each scrape; zero means DefaultTimeout.
	Timeout time.Duration
	// Warn, when set, is called with each warning as it arises.
	Warn func(msg string)

	before   *Scrape
	warnings []string
}

var _ llmtest.Callback = (*Callback)(nil)

func (c *Callback) scrape(ctx context.Context) *Scrape {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s, err := Get(ctx, c.Client, c.URL)
	if err != nil {
		c.warn(err.Error() + "; the run goes on without it")
	}
	return s
}

func (c *Callback) warn(msg string) {
	c.warnings = append(c.warnings, msg)
	if c.Warn != nil {
		c.Warn(msg)
	}
}

// BeforeRun takes the first scrape.
func (c *Callback) BeforeRun(ctx context.Context, _ llmtest.Config) error {
	c.warnings = nil
	c.before = c.scrape(ctx)
	return nil
}

// AfterRun takes the second scrape and records the change in
// res.Run.ServerMetrics.
func (c *Callback) AfterRun(ctx context.Context, res *llmtest.Result) error {
	var after *Scrape
	if c.before != nil {
		after = c.scrape(ctx)
	} else {
		c.warn(fmt.Sprintf("server metrics %s: no scrape before the run, so no deltas", Redact(c.URL)))
	}
	sm := Compare(c.URL, c.before, after)
	for _, w := range sm.Warnings {
		if c.Warn != nil {
			c.Warn(w)
		}
	}
	sm.Warnings = append(c.warnings, sm.Warnings...)
	res.Run.ServerMetrics = sm
	c.before, c.warnings = nil, nil
	return nil
}
