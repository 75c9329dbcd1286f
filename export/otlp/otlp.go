package otlp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/llmtest/llmtest/export/internal/runmetrics"
	"github.com/llmtest/llmtest/internal/redact"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// ScopeName is the instrumentation scope of the exported metrics.
const ScopeName = "github.com/llmtest/llmtest/export/otlp"

// DefaultTimeout bounds one export, retries included, when
// Exporter.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// MetricsPath is the OTLP/HTTP path of metrics, appended to an Endpoint
// without a path.
const MetricsPath = "/v1/metrics"

// Exporter exports runs over OTLP/HTTP. As a [llmtest.Callback], it
// exports the run when it ends (AfterRun), before the SLO checks that are
// evaluated after the run returns; call Export after them to include
// them. The run's cost is in it when the llmtest.CostModel comes before
// it in Config.Callbacks, which are called in order.
//
// The zero value exports to where the standard environment variables
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS and their
// _METRICS_ forms) say, else to http://localhost:4318. Over https, it
// trusts the certificates OTEL_EXPORTER_OTLP_CERTIFICATE names and
// presents those of OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and
// OTEL_EXPORTER_OTLP_CLIENT_KEY (or their _METRICS_ forms).
type Exporter struct {
	llmtest.NopCallback
	// Endpoint is the receiver's URL, http or https: a base URL such as
	// http://collector:4318, to which MetricsPath is appended, or the full
	// URL of the metrics path when it has one. It must not hold user info:
	// give credentials in Headers. Empty means the environment's.
	Endpoint string
	// Headers are sent with every export, such as an Authorization
	// header. Their values, and those of OTEL_EXPORTER_OTLP_HEADERS, never
	// appear in an error.
	Headers map[string]string
	// Timeout bounds one export, retries of a refused or unavailable
	// receiver included; zero means DefaultTimeout.
	Timeout time.Duration
}

var _ llmtest.Callback = (*Exporter)(nil)

// AfterRun exports res.Run. An error is the run's error.
func (e *Exporter) AfterRun(ctx context.Context, res *llmtest.Result) error {
	return e.Export(ctx, &res.Run)
}

// ErrEndpoint reports an Endpoint that is not an http or https URL with a
// host and without user info.
var ErrEndpoint = errors.New("otlp: bad endpoint")

// ParseEndpoint checks an Exporter.Endpoint and returns the URL metrics
// are sent to: with MetricsPath appended when it has no path. An error
// wraps ErrEndpoint and shows the URL without user info, query or
// fragment.
func ParseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: not a URL", ErrEndpoint)
	case !strings.Contains(endpoint, "://"):
		// Not quoted: "user:password@host" parses as a scheme and an
		// opaque part.
		return nil, fmt.Errorf("%w: no http:// or https://; want a URL such as http://localhost:4318", ErrEndpoint)
	}
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w %q: want an http:// or https:// URL, such as http://localhost:4318", ErrEndpoint, shown)
	case u.Host == "":
		return nil, fmt.Errorf("%w %q: no host", ErrEndpoint, shown)
	case u.User != nil:
		return nil, fmt.Errorf("%w %q: user info in the URL; give credentials as a header", ErrEndpoint, shown)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = MetricsPath
	}
	return u, nil
}

// Export sends run's metrics to the receiver in one request (retried while
// the receiver answers that it is busy or unavailable, within Timeout). It
// blocks until the receiver has answered or ctx ends, and closes its
// connections before it returns.
func (e *Exporter) Export(ctx context.Context, run *reporters.Run) error {
	if run == nil {
		return fmt.Errorf("otlp: %w", reporters.ErrNilRun)
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// A transport of the export's own, whose kept-alive connection is
	// closed when the export is over (see newTransport).
	transport, err := newTransport()
	if err != nil {
		return err
	}
	defer transport.CloseIdleConnections()
	opts := []otlpmetrichttp.Option{
		otlpmetrichttp.WithTimeout(timeout),
		otlpmetrichttp.WithHTTPClient(&http.Client{Transport: transport, Timeout: timeout}),
	}
	target := "the environment's OTLP endpoint"
	if e.Endpoint != "" {
		u, err := ParseEndpoint(e.Endpoint)
		if err != nil {
			return err
		}
		opts = append(opts, otlpmetrichttp.WithEndpointURL(u.String()))
		target = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	}
	if len(e.Headers) > 0 {
		opts = append(opts, otlpmetrichttp.WithHeaders(e.Headers))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	exp, err := otlpmetrichttp.New(ctx, opts...)
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	err = exp.Export(ctx, ResourceMetrics(run))
	err = errors.Join(err, exp.Shutdown(ctx))
	if err != nil {
		return fmt.Errorf("otlp: exporting to %s: %w", target, e.redact(err))
	}
	return nil
}

// headerEnv are the variables whose headers the SDK sends when Headers
// is empty, as key=value pairs separated by commas, percent-encoded.
var headerEnv = []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"}

// redact returns err with the secrets of every header value, those of
// Headers and of the environment's, replaced (see redact.HeaderSecrets:
// a receiver that echoes the token of "Bearer <token>" alone, or
// upper-cased, does not leak it either).
func (e *Exporter) redact(err error) error {
	var secrets []string
	for _, v := range e.Headers {
		secrets = append(secrets, redact.HeaderSecrets(v)...)
	}
	for _, name := range headerEnv {
		for _, kv := range strings.Split(os.Getenv(name), ",") {
			_, v, _ := strings.Cut(kv, "=")
			secrets = append(secrets, redact.HeaderSecrets(strings.TrimSpace(v))...)
			if dec, err := url.PathUnescape(v); err == nil {
				secrets = append(secrets, redact.HeaderSecrets(strings.TrimSpace(dec))...)
			}
		}
	}
	msg := err.Error()
	clean := redact.New(secrets...).Redact(msg)
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// ResourceMetrics returns run's metrics as the SDK's metric data, as
// Export sends them; see the package documentation.
func ResourceMetrics(run *reporters.Run) *metricdata.ResourceMetrics {
	start, end := run.StartTime, run.EndTime
	if end.IsZero() {
		end = time.Now()
	}
	attrs := Attributes(run)
	set := attribute.NewSet(attrs...)
	var ms []metricdata.Metrics

	figures := runmetrics.Figures(run)
	for len(figures) > 0 {
		// The figures of one name, told apart by their labels, are one
		// metric's data points.
		f, n := figures[0], 1
		for n < len(figures) && figures[n].Name == f.Name {
			n++
		}
		ms = append(ms, figureMetric(figures[:n], attrs, start, end))
		figures = figures[n:]
	}

	if len(run.Checks) > 0 {
		g := metricdata.Gauge[int64]{}
		for _, c := range run.Checks {
			v := int64(0)
			if c.Pass {
				v = 1
			}
			a := attribute.NewSet(append(attrs[:len(attrs):len(attrs)], attribute.String("llmtest.check", c.Expression))...)
			g.DataPoints = append(g.DataPoints, metricdata.DataPoint[int64]{Attributes: a, StartTime: start, Time: end, Value: v})
		}
		ms = append(ms, metricdata.Metrics{Name: "llmtest.check_passed", Description: "1 when the SLO check held, 0 when it failed.", Unit: "1", Data: g})
	}

	for i := range run.Metrics {
		m := &run.Metrics[i]
		if m.N == 0 {
			continue
		}
		ms = append(ms, metricOf(m, set, start, end)...)
	}
	return &metricdata.ResourceMetrics{
		Resource:     resource.NewSchemaless(attribute.String("service.name", "llmtest")),
		ScopeMetrics: []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: ScopeName}, Metrics: ms}},
	}
}

// figureMetric returns the metric of figures of one name: a monotonic
// cumulative sum of a counter (of integers, but of doubles for a cost) or
// a gauge of doubles, with a data point per figure, whose attributes are
// run's (attrs) and the figure's labels.
func figureMetric(figures []runmetrics.Figure, attrs []attribute.KeyValue, start, end time.Time) metricdata.Metrics {
	f := figures[0]
	m := metricdata.Metrics{Name: "llmtest." + f.Name, Description: f.Help, Unit: figureUnit(f)}
	set := func(f runmetrics.Figure) attribute.Set {
		if len(f.Labels) == 0 {
			return attribute.NewSet(attrs...)
		}
		return attribute.NewSet(append(attrs[:len(attrs):len(attrs)], attributesOf(f.Labels)...)...)
	}
	switch {
	case f.Kind == runmetrics.Counter && f.Unit != runmetrics.UnitCost:
		sum := metricdata.Sum[int64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}
		for _, f := range figures {
			sum.DataPoints = append(sum.DataPoints, metricdata.DataPoint[int64]{Attributes: set(f), StartTime: start, Time: end, Value: int64(f.Value)})
		}
		m.Data = sum
	case f.Kind == runmetrics.Counter:
		sum := metricdata.Sum[float64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}
		for _, f := range figures {
			sum.DataPoints = append(sum.DataPoints, metricdata.DataPoint[float64]{Attributes: set(f), StartTime: start, Time: end, Value: f.Value})
		}
		m.Data = sum
	default:
		g := metricdata.Gauge[float64]{}
		for _, f := range figures {
			g.DataPoints = append(g.DataPoints, metricdata.DataPoint[float64]{Attributes: set(f), StartTime: start, Time: end, Value: f.Value})
		}
		m.Data = g
	}
	return m
}

// Attributes returns run's parameters as attributes, each named
// "llmtest.<parameter>": numbers as int or double attributes, low_memory
// as a bool, the rest as strings.
func Attributes(run *reporters.Run) []attribute.KeyValue {
	return attributesOf(runmetrics.Params(run))
}

// attributesOf returns ps as attributes named "llmtest.<key>": numbers as
// int or double attributes, booleans as bool ones, the rest as strings.
func attributesOf(ps []runmetrics.Param) []attribute.KeyValue {
	var kvs []attribute.KeyValue
	for _, p := range ps {
		key := attribute.Key("llmtest." + p.Key)
		switch {
		case p.Bool:
			kvs = append(kvs, key.Bool(p.Value == "true"))
		case p.Number:
			if n, err := strconv.ParseInt(p.Value, 10, 64); err == nil {
				kvs = append(kvs, key.Int64(n))
			} else if f, err := strconv.ParseFloat(p.Value, 64); err == nil {
				kvs = append(kvs, key.Float64(f))
			}
		default:
			kvs = append(kvs, key.String(p.Value))
		}
	}
	return kvs
}

// figureUnit returns the UCUM unit of a run figure.
func figureUnit(f runmetrics.Figure) string {
	switch {
	case f.Unit != "":
		switch f.Unit {
		case "tokens":
			return "{token}"
		case runmetrics.UnitCost:
			return "{cost}"
		}
		return f.Unit
	case strings.HasSuffix(f.Name, "_requests") || f.Name == "requests" || f.Name == "connections":
		return "{request}"
	case f.Name == "requests_per_minute":
		return "{request}/min"
	case f.Name == "output_tokens_per_second":
		return "{token}/s"
	}
	return "1"
}

// metricOf returns the histogram and the summary of one metric.
func metricOf(m *reporters.Metric, set attribute.Set, start, end time.Time) []metricdata.Metrics {
	name, unit := "llmtest."+runmetrics.SnakeName(m.Name), "{token}"
	if m.Unit == reporters.UnitSeconds {
		unit = "s"
	}
	var out []metricdata.Metrics
	bounds := runmetrics.Bounds(m.Unit)
	if cum, ok := m.CumulativeCounts(bounds); ok {
		counts := make([]uint64, len(bounds)+1)
		var prev int64
		for i, c := range cum {
			counts[i] = uint64(c - prev)
			prev = c
		}
		counts[len(bounds)] = uint64(int64(m.N) - prev)
		out = append(out, metricdata.Metrics{
			Name: name, Description: "Histogram of " + m.Name + " over the successful requests.", Unit: unit,
			Data: metricdata.Histogram[float64]{
				Temporality: metricdata.CumulativeTemporality,
				DataPoints: []metricdata.HistogramDataPoint[float64]{{
					Attributes: set, StartTime: start, Time: end,
					Count: uint64(m.N), Sum: m.Sum, Bounds: bounds, BucketCounts: counts,
					Min: metricdata.NewExtrema(m.Min), Max: metricdata.NewExtrema(m.Max),
				}},
			},
		})
	}
	pt := metricdata.SummaryDataPoint{Attributes: set, StartTime: start, Time: end, Count: uint64(m.N), Sum: m.Sum}
	for _, q := range runmetrics.Quantiles {
		v, _ := m.Aggregate(q.Aggregate)
		pt.QuantileValues = append(pt.QuantileValues, metricdata.QuantileValue{Quantile: q.Q, Value: v})
	}
	out = append(out, metricdata.Metrics{
		Name: name + ".quantiles", Description: "Quantiles of " + m.Name + ": the run's min, p50, p90, p95, p99, p99.9 and max.", Unit: unit,
		Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{pt}},
	})
	return out
}
