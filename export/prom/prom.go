package prom

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/llmtest/llmtest/export/internal/runmetrics"
	"github.com/llmtest/llmtest/llmtest"
	"github.com/llmtest/llmtest/reporters"
)

// Prefix starts the name of every metric the Writer writes.
const Prefix = "llmtest_"

// Writer writes runs in the Prometheus text format to the writer it was
// made with. See the package documentation for the metrics.
type Writer struct {
	w io.Writer
}

var _ reporters.Reporter = (*Writer)(nil)

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes run's metrics, built in memory and written with one call.
func (p *Writer) Write(run *reporters.Run) error {
	if run == nil {
		return fmt.Errorf("prom: %w", reporters.ErrNilRun)
	}
	var b bytes.Buffer
	for _, mf := range Families(run) {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			return fmt.Errorf("prom: %s: %w", mf.GetName(), err)
		}
	}
	_, err := p.w.Write(b.Bytes())
	return err
}

// WriteFile writes run's metrics to the file path atomically: to a
// temporary file in the same folder, then renamed, so that node_exporter's
// textfile collector never reads half a file.
func WriteFile(path string, run *reporters.Run) (err error) {
	var b bytes.Buffer
	if err := NewWriter(&b).Write(run); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("prom: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	_, err = f.Write(b.Bytes())
	err = errors.Join(err, f.Chmod(0o644), f.Close())
	if err != nil {
		return fmt.Errorf("prom: writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("prom: %w", err)
	}
	return nil
}

// File is a callback that writes the run's metrics to Path with
// WriteFile when the run ends (also an interrupted one). A run's SLO
// checks, evaluated after it returns, are not in the file; write it again
// with WriteFile after the checks to include them. The run's cost is in
// the file when the llmtest.CostModel comes before the File in
// Config.Callbacks, which are called in order.
type File struct {
	llmtest.NopCallback
	// Path is the file to write, such as
	// /var/lib/node_exporter/textfile/llmtest.prom.
	Path string
}

var _ llmtest.Callback = File{}

// AfterRun writes the file. An error is the run's error.
func (f File) AfterRun(_ context.Context, res *llmtest.Result) error {
	return WriteFile(f.Path, &res.Run)
}

// Families returns run's metric families, in the order the package
// documentation lists them.
func Families(run *reporters.Run) []*dto.MetricFamily {
	base := []*dto.LabelPair{label("run", run.Name)}
	if run.Endpoint.Provider != "" {
		base = append(base, label("provider", run.Endpoint.Provider))
	}
	if run.Endpoint.Model != "" {
		base = append(base, label("model", run.Endpoint.Model))
	}
	info := &dto.Metric{Gauge: &dto.Gauge{Value: proto.Float64(1)}}
	for _, p := range runmetrics.Params(run) {
		info.Label = append(info.Label, label(p.Key, p.Value))
	}
	fams := []*dto.MetricFamily{family("run_info", "The run's parameters, as labels.", dto.MetricType_GAUGE, info)}

	var last string // the figure name of the last family
	for _, f := range runmetrics.Figures(run) {
		m := &dto.Metric{Label: base}
		if len(f.Labels) > 0 {
			m.Label = append([]*dto.LabelPair(nil), base...)
			for _, l := range f.Labels {
				m.Label = append(m.Label, label(l.Key, l.Value))
			}
		}
		if f.Kind == runmetrics.Counter {
			m.Counter = &dto.Counter{Value: proto.Float64(f.Value)}
		} else {
			m.Gauge = &dto.Gauge{Value: proto.Float64(f.Value)}
		}
		if f.Name == last {
			fam := fams[len(fams)-1]
			fam.Metric = append(fam.Metric, m)
			continue
		}
		last = f.Name
		name := f.Name
		if f.Unit == "s" {
			name += "_seconds"
		}
		typ := dto.MetricType_GAUGE
		if f.Kind == runmetrics.Counter {
			typ = dto.MetricType_COUNTER
			name += "_total"
		}
		fams = append(fams, family(name, f.Help, typ, m))
	}

	if len(run.Checks) > 0 {
		checks := family("check_passed", "1 when the SLO check held, 0 when it failed.", dto.MetricType_GAUGE)
		for _, c := range run.Checks {
			v := 0.0
			if c.Pass {
				v = 1
			}
			checks.Metric = append(checks.Metric, &dto.Metric{
				Label: append(append([]*dto.LabelPair(nil), base...), label("check", c.Expression)),
				Gauge: &dto.Gauge{Value: proto.Float64(v)},
			})
		}
		fams = append(fams, checks)
	}

	for i := range run.Metrics {
		m := &run.Metrics[i]
		if m.N == 0 {
			continue
		}
		fams = append(fams, metricFamilies(m, base)...)
	}
	return fams
}

// metricFamilies returns the histogram and the summary of one metric.
func metricFamilies(m *reporters.Metric, base []*dto.LabelPair) []*dto.MetricFamily {
	name, suffix := runmetrics.SnakeName(m.Name), ""
	if m.Unit == reporters.UnitSeconds {
		suffix = "_seconds"
	}
	var fams []*dto.MetricFamily
	bounds := runmetrics.Bounds(m.Unit)
	if counts, ok := m.CumulativeCounts(bounds); ok {
		h := &dto.Histogram{SampleCount: proto.Uint64(uint64(m.N)), SampleSum: proto.Float64(m.Sum)}
		for i, b := range bounds {
			h.Bucket = append(h.Bucket, &dto.Bucket{UpperBound: proto.Float64(b), CumulativeCount: proto.Uint64(uint64(counts[i]))})
		}
		fams = append(fams, family(name+suffix, "Histogram of "+m.Name+" over the successful requests.", dto.MetricType_HISTOGRAM,
			&dto.Metric{Label: base, Histogram: h}))
	}
	s := &dto.Summary{SampleCount: proto.Uint64(uint64(m.N)), SampleSum: proto.Float64(m.Sum)}
	for _, q := range runmetrics.Quantiles {
		v, _ := m.Aggregate(q.Aggregate)
		s.Quantile = append(s.Quantile, &dto.Quantile{Quantile: proto.Float64(q.Q), Value: proto.Float64(v)})
	}
	fams = append(fams, family(name+"_summary"+suffix, "Quantiles of "+m.Name+": the run's min, p50, p90, p95, p99, p99.9 and max.", dto.MetricType_SUMMARY,
		&dto.Metric{Label: base, Summary: s}))
	return fams
}

func family(name, help string, typ dto.MetricType, ms ...*dto.Metric) *dto.MetricFamily {
	return &dto.MetricFamily{Name: proto.String(Prefix + name), Help: proto.String(help), Type: typ.Enum(), Metric: ms}
}

func label(name, value string) *dto.LabelPair {
	return &dto.LabelPair{Name: proto.String(name), Value: proto.String(value)}
}
