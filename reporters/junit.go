package reporters

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

var _ Reporter = (*JUnit)(nil)

// JUnit writes runs as JUnit XML: a <testsuites> root holding one
// <testsuite> per run. A suite has one test case per SLO check, named by
// its expression and failing (type "SLO") when the check failed, and one
// test case for the run itself, named "run <name>", failing with type
// "requests" when every request that ended failed, else with type
// "interrupted" when the run was interrupted. See the package
// documentation for the profiles and every element and attribute.
//
// A JUnit is not safe for concurrent use.
type JUnit struct {
	// Strict selects the strict profile: exactly what the Ant JUnit schema
	// and the Jenkins xUnit JUnit schema demand together, and nothing
	// more. The zero value selects the default, richer profile.
	Strict bool
	// Hostname is the testsuite hostname attribute. When empty, Write
	// uses os.Hostname, and "localhost" when that fails.
	Hostname string

	w io.Writer
}

// NewJUnit returns a JUnit reporter, default profile, writing to w.
func NewJUnit(w io.Writer) *JUnit { return &JUnit{w: w} }

// JUnit constants: the failure types and the classname prefix.
const (
	// JUnitFailureSLO is the failure type of a failed SLO check.
	JUnitFailureSLO = "SLO"
	// JUnitFailureInterrupted is the failure type of an interrupted run.
	JUnitFailureInterrupted = "interrupted"
	// JUnitFailureRequests is the failure type of a run in which every
	// request that ended failed.
	JUnitFailureRequests = "requests"
	// JUnitPackage is the testsuite package attribute and the prefix of
	// every classname ("llmtest.<run name>").
	JUnitPackage = "llmtest"
)

// junitTimestamp is the layout of the testsuite timestamp attribute: UTC,
// to the second, without a zone, as the Ant schema demands.
const junitTimestamp = "2006-01-02T15:04:05"

// Write writes run as a <testsuites> document with one suite.
func (j *JUnit) Write(run *Run) error { return j.WriteRuns(run) }

// WriteRuns writes runs as one <testsuites> document with one suite per
// run, in order, with ids from 0.
func (j *JUnit) WriteRuns(runs ...*Run) error {
	host := j.Hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	if host = oneLine(host); host == "" {
		host = "localhost"
	}
	doc := xmlSuites{Suites: make([]xmlSuite, 0, len(runs))}
	var tests, failures, errs, skipped int
	var seconds float64
	for i, run := range runs {
		if run == nil {
			return fmt.Errorf("reporters: JUnit: run %d: %w", i, ErrNilRun)
		}
		s := j.suite(run, i, host)
		doc.Suites = append(doc.Suites, s)
		tests += s.Tests
		failures += s.Failures
		errs += s.Errors
		skipped += s.Skipped
		seconds += runSeconds(run)
	}
	if !j.Strict {
		doc.Counts = &xmlCounts{
			Tests:    strconv.Itoa(tests),
			Failures: strconv.Itoa(failures),
			Errors:   strconv.Itoa(errs),
			Skipped:  strconv.Itoa(skipped),
			Time:     junitSeconds(seconds),
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("reporters: JUnit: %w", err)
	}
	buf.WriteByte('\n')
	_, err := j.w.Write(buf.Bytes())
	return err
}

// suite builds the <testsuite> of the id-th run.
func (j *JUnit) suite(run *Run, id int, host string) xmlSuite {
	name := oneLine(run.Name)
	if name == "" {
		name = "unnamed run"
	}
	class := JUnitPackage + "." + name
	s := xmlSuite{
		Name:       name,
		Package:    JUnitPackage,
		ID:         id,
		Hostname:   host,
		Timestamp:  run.StartTime.UTC().Format(junitTimestamp),
		Time:       junitSeconds(runSeconds(run)),
		Properties: suiteProperties(run),
	}

	used := map[string]bool{}
	unique := func(name string) string {
		n := name
		for k := 2; used[n]; k++ {
			n = name + " #" + strconv.Itoa(k)
		}
		used[n] = true
		return n
	}

	summary := runSummary(run)
	rc := xmlCase{Name: unique("run " + name), Classname: class, Time: junitSeconds(runSeconds(run))}
	switch {
	case run.AllFailed():
		rc.Failure = &xmlFailure{Message: allFailedLine(run), Type: JUnitFailureRequests, Text: summary}
	case run.Interrupted:
		rc.Failure = &xmlFailure{Message: interruptedLine(run), Type: JUnitFailureInterrupted, Text: summary}
	}
	if !j.Strict {
		out := xmlText(summary)
		rc.SystemOut = &out
	}
	s.Cases = append(s.Cases, rc)

	for i, c := range run.Checks {
		line := scrub(checkLine(c))
		tc := xmlCase{Name: unique(checkLabel(c, i)), Classname: class, Time: junitSeconds(0)}
		if !c.Pass {
			tc.Failure = &xmlFailure{Message: line, Type: JUnitFailureSLO, Text: checkDetail(c)}
		}
		if !j.Strict {
			tc.Properties = &xmlProperties{Props: []xmlProperty{
				prop("statistic", c.Statistic),
				prop("op", c.Op),
				prop("observed", formatPlain(c.Observed)),
				prop("limit", formatPlain(c.Limit)),
				prop("unit", c.Unit),
				prop("samples", strconv.Itoa(c.Samples)),
			}}
			out := xmlText(line + "\n")
			tc.SystemOut = &out
		}
		s.Cases = append(s.Cases, tc)
	}

	for _, c := range s.Cases {
		s.Tests++
		if c.Failure != nil {
			s.Failures++
		}
	}

	out := xmlText(summary + checkSummary(run))
	s.SystemOut = &out
	if j.Strict {
		empty := xmlText("")
		s.SystemErr = &empty
	}
	return s
}

// suiteProperties returns the suite's properties: the endpoint, the load
// shape and the key figures whose stats keys exist, named as in the JSON
// schema and the stats keys, with durations in seconds.
func suiteProperties(run *Run) xmlProperties {
	var ps []xmlProperty
	add := func(name, value string) {
		if value != "" {
			ps = append(ps, prop(name, value))
		}
	}
	add("provider", run.Endpoint.Provider)
	add("model_id", run.Endpoint.Model)
	add("endpoint_name", run.Endpoint.Name)
	add("url", run.Endpoint.URL)
	add("run_description", run.Description)
	add("test_name", run.TestName)
	add("clients", strconv.Itoa(run.Config.Clients))
	if run.Config.Duration > 0 {
		add("run_duration", formatPlain(run.Config.Duration))
	} else {
		add("n_requests", strconv.Itoa(run.Config.Requests))
	}
	add("timeout", formatPlain(run.Config.Timeout))
	if run.Interrupted {
		add("interrupted", "true")
	}
	if g := run.Generator; g != nil {
		add("generator", generatorVerdict(g))
		add("generator_reasons", oneLine(strings.Join(g.Reasons, "; ")))
	}
	stats := run.Stats()
	for _, key := range junitKeyFigures {
		if v, ok := stats[key]; ok {
			add(key, formatPlain(v))
		}
	}
	return xmlProperties{Props: ps}
}

// generatorVerdict is the value of the suite's generator property.
func generatorVerdict(g *Generator) string {
	if g.Saturated {
		return "saturated"
	}
	return "healthy"
}

// junitKeyFigures are the stats keys a suite carries as properties, in
// order, when they exist.
var junitKeyFigures = []string{
	keyTotalRequests, keyFailedRequests, keyFailedRate, keyRequestsPerMin, keyOutputTokensSec,
	StatKey(metricTTFT, "p50"), StatKey(metricTTFT, "p99"),
	StatKey(metricTPOT, "p50"), StatKey(metricTPOT, "p99"),
	StatKey(metricITL, "p99"),
	StatKey(metricTTLT, "p99"),
}

// runSummary returns the run's request accounting as lines of text, for
// the run test case and the suite's system-out.
func runSummary(run *Run) string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s: %s\n", oneLine(run.Name), accounting(run))
	if run.TestName != "" {
		fmt.Fprintf(&b, "test: %s\n", oneLine(run.TestName))
	}
	fmt.Fprintf(&b, "endpoint: %s\n", endpointLabel(run.Endpoint))
	load := loadShape(run.Config)
	if run.Config.Timeout > 0 {
		load += ", timeout " + formatConfigSeconds(run.Config.Timeout)
	}
	fmt.Fprintf(&b, "load: %s\n", load)
	if t := throughput(run, "requests/min"); t != "" {
		fmt.Fprintf(&b, "throughput: %s\n", t)
	}
	if run.Generator != nil {
		fmt.Fprintf(&b, "load generator: %s\n", oneLine(run.Generator.String()))
	}
	if run.AllFailed() {
		fmt.Fprintf(&b, "%s\n", allFailedLine(run))
	}
	if run.Interrupted {
		fmt.Fprintf(&b, "%s\n", interruptedLine(run))
	}
	return b.String()
}

// checkSummary returns one line per check, for the suite's system-out.
func checkSummary(run *Run) string {
	if len(run.Checks) == 0 {
		return "checks: none\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "checks: %d of %d passed\n", len(run.Checks)-len(run.Failures()), len(run.Checks))
	for i, c := range run.Checks {
		mark := "PASS"
		if !c.Pass {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "%s %s: %s\n", mark, checkLabel(c, i), oneLine(checkLine(c)))
	}
	return b.String()
}

// checkDetail returns the body of a failed check's <failure>.
func checkDetail(c Check) string {
	return fmt.Sprintf("expression: %s\nobserved: %s\nlimit: %s %s\nsamples: %d\n",
		oneLine(c.Expression), formatValue(c.Observed, c.Unit), c.Op, formatValue(c.Limit, c.Unit), c.Samples)
}

// junitSeconds renders seconds with exactly three decimals, as both
// schemas accept; a negative or non-finite value renders as "0.000".
func junitSeconds(s float64) string {
	if !(s >= 0) || math.IsInf(s, 0) {
		s = 0
	}
	return strconv.FormatFloat(s, 'f', 3, 64)
}

// prop returns a property with both strings scrubbed.
func prop(name, value string) xmlProperty {
	return xmlProperty{Name: name, Value: scrub(value)}
}

// The XML documents. Every string in them has been through scrub or
// oneLine; encoding/xml escapes the rest.

// xmlSuites is the <testsuites> root.
type xmlSuites struct {
	Counts *xmlCounts
	Suites []xmlSuite
}

// xmlCounts are the root's count attributes: all present (default
// profile) or all absent (strict).
type xmlCounts struct {
	Tests, Failures, Errors, Skipped, Time string
}

// MarshalXML writes the root, with its count attributes when Counts is
// set, and the suites.
func (r xmlSuites) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: "testsuites"}}
	if c := r.Counts; c != nil {
		for _, a := range [...]struct{ name, value string }{
			{"tests", c.Tests}, {"failures", c.Failures}, {"errors", c.Errors},
			{"skipped", c.Skipped}, {"time", c.Time},
		} {
			start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: a.name}, Value: a.value})
		}
	}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for i := range r.Suites {
		if err := e.EncodeElement(&r.Suites[i], xml.StartElement{Name: xml.Name{Local: "testsuite"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

type xmlSuite struct {
	Name       string        `xml:"name,attr"`
	Package    string        `xml:"package,attr"`
	ID         int           `xml:"id,attr"`
	Hostname   string        `xml:"hostname,attr"`
	Timestamp  string        `xml:"timestamp,attr"`
	Tests      int           `xml:"tests,attr"`
	Failures   int           `xml:"failures,attr"`
	Errors     int           `xml:"errors,attr"`
	Skipped    int           `xml:"skipped,attr"`
	Time       string        `xml:"time,attr"`
	Properties xmlProperties `xml:"properties"`
	Cases      []xmlCase     `xml:"testcase"`
	SystemOut  *xmlText      `xml:"system-out"`
	SystemErr  *xmlText      `xml:"system-err"`
}

type xmlProperties struct {
	Props []xmlProperty `xml:"property"`
}

type xmlProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type xmlCase struct {
	Name       string         `xml:"name,attr"`
	Classname  string         `xml:"classname,attr"`
	Time       string         `xml:"time,attr"`
	Properties *xmlProperties `xml:"properties"`
	Failure    *xmlFailure    `xml:"failure"`
	SystemOut  *xmlText       `xml:"system-out"`
}

// xmlFailure is a <failure> whose text keeps its line breaks readable.
type xmlFailure struct {
	Message string
	Type    string
	Text    string
}

// MarshalXML writes the failure with its message and type attributes and
// its text as character data.
func (f *xmlFailure) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	start.Attr = []xml.Attr{
		{Name: xml.Name{Local: "message"}, Value: scrub(f.Message)},
		{Name: xml.Name{Local: "type"}, Value: f.Type},
	}
	return xmlText(f.Text).MarshalXML(e, start)
}

// xmlText is character data written with its line breaks as they are
// (encoding/xml's ",chardata" writes them as "&#xA;").
type xmlText string

// MarshalXML writes start, the scrubbed text and the end tag.
func (t xmlText) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if t != "" {
		if err := e.EncodeToken(xml.CharData(scrub(string(t)))); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}
