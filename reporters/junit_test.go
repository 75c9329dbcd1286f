package reporters

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// junitXML renders runs with a fixed hostname.
func junitXML(t *testing.T, strict bool, runs ...*Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	j := NewJUnit(&buf)
	j.Strict = strict
	j.Hostname = "ci-runner"
	if err := j.WriteRuns(runs...); err != nil {
		t.Fatalf("WriteRuns: %v", err)
	}
	return buf.Bytes()
}

func TestJUnitGolden(t *testing.T) {
	golden(t, "junit_default.xml", junitXML(t, false, sampleRun()))
	golden(t, "junit_strict.xml", junitXML(t, true, sampleRun()))
	golden(t, "junit_strict_runs.xml", junitXML(t, true, sampleRun(), interruptedRun(), emptyRun()))
}

// junitCases are the documents every structural test checks, in both
// profiles.
var junitCases = []struct {
	name string
	runs func() []*Run
}{
	{"sample", func() []*Run { return []*Run{sampleRun()} }},
	{"interrupted", func() []*Run { return []*Run{interruptedRun()} }},
	{"zero-checks", func() []*Run { return []*Run{emptyRun()} }},
	{"escaping", func() []*Run { return []*Run{nastyRun()} }},
	{"several", func() []*Run { return []*Run{sampleRun(), interruptedRun(), emptyRun(), nastyRun()} }},
	{"zero-value", func() []*Run { return []*Run{{}} }},
	{"no-runs", func() []*Run { return nil }},
}

// TestJUnitStrictSchemas validates the strict profile against both
// schemas with xmllint.
func TestJUnitStrictSchemas(t *testing.T) {
	lint := xmllintPath(t)
	dir := schemaDir(t)
	for _, tc := range junitCases {
		t.Run(tc.name, func(t *testing.T) {
			file := writeTemp(t, junitXML(t, true, tc.runs()...))
			for _, xsd := range junitSchemas {
				runXMLLint(t, lint, "--noout", "--schema", filepath.Join(dir, xsd), file)
			}
		})
	}
	// A control: the default profile's per-case properties are valid in
	// neither schema, so a harness that accepts it validates nothing.
	t.Run("control", func(t *testing.T) {
		file := writeTemp(t, junitXML(t, false, sampleRun()))
		for _, xsd := range junitSchemas {
			out, err := exec.Command(lint, "--noout", "--schema", filepath.Join(dir, xsd), file).CombinedOutput()
			if err == nil {
				t.Errorf("xmllint accepted the default profile against %s:\n%s", xsd, out)
			}
		}
	})
}

// TestJUnitDefaultWellFormed checks the default profile with xmllint
// --noout; the schemas do not apply to it (see the package doc).
func TestJUnitDefaultWellFormed(t *testing.T) {
	lint := xmllintPath(t)
	for _, tc := range junitCases {
		t.Run(tc.name, func(t *testing.T) {
			runXMLLint(t, lint, "--noout", writeTemp(t, junitXML(t, false, tc.runs()...)))
		})
	}
}

// TestJUnitCounts parses every document back and checks that the suite
// and root counts agree with the test cases.
func TestJUnitCounts(t *testing.T) {
	for _, strict := range []bool{false, true} {
		for _, tc := range junitCases {
			t.Run(fmt.Sprintf("strict=%v/%s", strict, tc.name), func(t *testing.T) {
				runs := tc.runs()
				doc := parseJUnit(t, junitXML(t, strict, runs...))
				if len(doc.Suites) != len(runs) {
					t.Fatalf("%d suites, want %d", len(doc.Suites), len(runs))
				}
				var tests, failures int
				var seconds float64
				for i, s := range doc.Suites {
					wantTests := 1 + len(runs[i].Checks)
					wantFailures := len(runs[i].Failures())
					if runs[i].Interrupted || runs[i].AllFailed() {
						wantFailures++
					}
					var gotFailures, gotSkipped, gotErrors int
					var caseSeconds float64
					for _, c := range s.Cases {
						if c.Failure != nil {
							gotFailures++
						}
						if c.Skipped != nil {
							gotSkipped++
						}
						if c.Error != nil {
							gotErrors++
						}
						caseSeconds += attrFloat(t, c.attr("time"))
					}
					checkAttr(t, s.Attrs, "tests", strconv.Itoa(len(s.Cases)))
					checkAttr(t, s.Attrs, "failures", strconv.Itoa(gotFailures))
					checkAttr(t, s.Attrs, "errors", strconv.Itoa(gotErrors))
					checkAttr(t, s.Attrs, "skipped", strconv.Itoa(gotSkipped))
					if len(s.Cases) != wantTests || gotFailures != wantFailures {
						t.Errorf("suite %d: %d cases, %d failures; want %d, %d",
							i, len(s.Cases), gotFailures, wantTests, wantFailures)
					}
					suiteSeconds := attrFloat(t, attr(s.Attrs, "time"))
					if fmt.Sprintf("%.3f", caseSeconds) != fmt.Sprintf("%.3f", suiteSeconds) {
						t.Errorf("suite %d: test cases take %.3fs, suite time %.3fs", i, caseSeconds, suiteSeconds)
					}
					tests += len(s.Cases)
					failures += gotFailures
					seconds += suiteSeconds
				}
				if strict {
					if len(doc.Attrs) != 0 {
						t.Errorf("strict root has attributes %v, want none", doc.Attrs)
					}
					return
				}
				checkAttr(t, doc.Attrs, "tests", strconv.Itoa(tests))
				checkAttr(t, doc.Attrs, "failures", strconv.Itoa(failures))
				checkAttr(t, doc.Attrs, "errors", "0")
				checkAttr(t, doc.Attrs, "skipped", "0")
				checkAttr(t, doc.Attrs, "time", fmt.Sprintf("%.3f", seconds))
			})
		}
	}
}

// TestJUnitStrictShape checks, beyond the schemas, the rules of the strict
// profile: children order, no per-case extras, time and timestamp forms.
func TestJUnitStrictShape(t *testing.T) {
	out := junitXML(t, true, sampleRun(), interruptedRun(), emptyRun(), nastyRun())
	order := regexp.MustCompile(`^properties( testcase)* system-out system-err$`)
	for i, children := range suiteChildren(t, out) {
		if !order.MatchString(strings.Join(children, " ")) {
			t.Errorf("suite %d children %v, want properties, testcases, system-out, system-err", i, children)
		}
	}
	doc := parseJUnit(t, out)
	timeRe := regexp.MustCompile(`^[0-9]+(\.[0-9]{1,3})?$`)
	stampRe := regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`)
	for _, s := range doc.Suites {
		for _, a := range []string{"name", "package", "id", "hostname", "timestamp", "tests", "failures", "errors", "skipped", "time"} {
			if attr(s.Attrs, a) == "" {
				t.Errorf("suite %q: no %s attribute", attr(s.Attrs, "name"), a)
			}
		}
		if ts := attr(s.Attrs, "timestamp"); !stampRe.MatchString(ts) {
			t.Errorf("suite timestamp %q, want yyyy-mm-ddThh:mm:ss", ts)
		}
		if tm := attr(s.Attrs, "time"); !timeRe.MatchString(tm) {
			t.Errorf("suite time %q", tm)
		}
		for _, c := range s.Cases {
			if c.Properties != nil || c.SystemOut != nil {
				t.Errorf("strict test case %q has properties or system-out", c.attr("name"))
			}
			if !timeRe.MatchString(c.attr("time")) {
				t.Errorf("test case time %q", c.attr("time"))
			}
			if len(c.Attrs) != 3 {
				t.Errorf("test case attributes %v, want name, classname, time", c.Attrs)
			}
		}
	}
}

func TestJUnitDefaultExtras(t *testing.T) {
	doc := parseJUnit(t, junitXML(t, false, sampleRun()))
	cases := doc.Suites[0].Cases
	if out := cases[0].SystemOut; out == nil || !strings.Contains(*out, "400 requests, 3 failed (0.75%)") {
		t.Errorf("run test case system-out = %v, want the request accounting", out)
	}
	tpot := cases[2]
	if tpot.attr("name") != "tpot p50 < 20ms" {
		t.Fatalf("third test case is %q", tpot.attr("name"))
	}
	props := map[string]string{}
	for _, p := range tpot.Properties.Props {
		props[p.Name] = p.Value
	}
	want := map[string]string{"statistic": "tpot p50", "op": "<", "observed": "0.0231", "limit": "0.02", "unit": "s", "samples": "397"}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("property %s = %q, want %q", k, props[k], v)
		}
	}
	if tpot.SystemOut == nil || *tpot.SystemOut != "tpot p50 = 23.1ms, want < 20ms (n=397)\n" {
		t.Errorf("check system-out = %v", tpot.SystemOut)
	}
}

func TestJUnitSuiteProperties(t *testing.T) {
	doc := parseJUnit(t, junitXML(t, true, sampleRun()))
	props := map[string]string{}
	for _, p := range doc.Suites[0].Properties.Props {
		props[p.Name] = p.Value
	}
	want := map[string]string{
		"provider": "openai", "model_id": "gpt-4o-mini", "endpoint_name": "chat-completions",
		"url": "http://127.0.0.1:8080/v1", "clients": "8", "n_requests": "50", "timeout": "60",
		"total_requests": "400", "failed_requests": "3", "failed_requests_rate": "0.0075",
		"requests_per_minute": formatPlain(400 / 52.104 * 60), "output_tokens_per_second": formatPlain(64312 / 52.104),
		"time_to_first_token-p50": "0.1984", "time_to_first_token-p99": "0.412",
		"time_per_output_token-p50": "0.0231", "time_per_output_token-p99": "0.0342",
		"inter_token_latency-p99": "0.0612", "time_to_last_token-p99": "8.1277",
	}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("property %s = %q, want %q", k, props[k], v)
		}
	}
	// A timed run names its duration; absent keys give no property.
	doc = parseJUnit(t, junitXML(t, true, emptyRun()))
	props = map[string]string{}
	for _, p := range doc.Suites[0].Properties.Props {
		props[p.Name] = p.Value
	}
	if props["run_duration"] != "30" || props["n_requests"] != "" || props["time_to_first_token-p99"] != "" || props["url"] != "" {
		t.Errorf("timed run properties = %v", props)
	}
}

func TestJUnitUniqueNames(t *testing.T) {
	run := emptyRun()
	run.Name = "dups"
	for _, e := range []string{"ttft p99 < 1s", "ttft p99 < 1s", "ttft p99 < 1s #2", "ttft p99 < 1s", "run dups", "", "check 6", "  ttft   p99 <\n1s "} {
		run.Checks = append(run.Checks, Check{Expression: e, Pass: true})
	}
	for _, strict := range []bool{false, true} {
		doc := parseJUnit(t, junitXML(t, strict, run))
		var names []string
		for _, c := range doc.Suites[0].Cases {
			names = append(names, c.attr("name"))
		}
		want := []string{
			"run dups",
			"ttft p99 < 1s", "ttft p99 < 1s #2", "ttft p99 < 1s #2 #2", "ttft p99 < 1s #3",
			"run dups #2", "check 6", "check 6 #2", "ttft p99 < 1s #4",
		}
		if strings.Join(names, "|") != strings.Join(want, "|") {
			t.Errorf("strict=%v names:\n got %q\nwant %q", strict, names, want)
		}
	}
}

func TestJUnitInterrupted(t *testing.T) {
	for _, strict := range []bool{false, true} {
		doc := parseJUnit(t, junitXML(t, strict, interruptedRun(), sampleRun()))
		rc := doc.Suites[0].Cases[0]
		if rc.attr("name") != "run chat-smoke-interrupted" || rc.Failure == nil {
			t.Fatalf("strict=%v: run test case %q failure %v, want a failure", strict, rc.attr("name"), rc.Failure)
		}
		if rc.Failure.Type != "interrupted" || rc.Failure.Message != "run interrupted: 120 of 400 requests sent in 15.8s" {
			t.Errorf("failure type %q message %q", rc.Failure.Type, rc.Failure.Message)
		}
		if !strings.Contains(rc.Failure.Text, "120 requests, 1 failed") {
			t.Errorf("failure text %q lacks the request accounting", rc.Failure.Text)
		}
		if pass := doc.Suites[1].Cases[0]; pass.Failure != nil {
			t.Errorf("run test case of a complete run failed: %+v", pass.Failure)
		}
	}
	// Timed and shapeless runs say how far they got, too.
	timed := emptyRun()
	timed.Interrupted = true
	timed.TestTime = 12.5
	if got, want := interruptedLine(timed), "run interrupted after 12.5s of 30s: 6 requests sent"; got != want {
		t.Errorf("interruptedLine = %q, want %q", got, want)
	}
	timed.Config = Config{}
	if got, want := interruptedLine(timed), "run interrupted after 12.5s: 6 requests sent"; got != want {
		t.Errorf("interruptedLine = %q, want %q", got, want)
	}
}

func TestJUnitZeroChecks(t *testing.T) {
	for _, strict := range []bool{false, true} {
		doc := parseJUnit(t, junitXML(t, strict, emptyRun()))
		s := doc.Suites[0]
		if len(s.Cases) != 1 || s.Cases[0].attr("name") != "run all-failed" {
			t.Fatalf("strict=%v: cases %+v, want one run test case", strict, s.Cases)
		}
		checkAttr(t, s.Attrs, "tests", "1")
		if !strings.Contains(s.SystemOut, "checks: none") {
			t.Errorf("suite system-out %q", s.SystemOut)
		}
	}
}

// TestJUnitAllFailed pins that a run in which every request failed is a
// failed test case, whatever its checks say, so that a CI dashboard does
// not show it green; cancelled requests count neither way.
func TestJUnitAllFailed(t *testing.T) {
	for _, strict := range []bool{false, true} {
		run := emptyRun() // 6 requests, all failed, no checks
		doc := parseJUnit(t, junitXML(t, strict, run))
		s := doc.Suites[0]
		checkAttr(t, s.Attrs, "failures", "1")
		f := s.Cases[0].Failure
		if f == nil {
			t.Fatalf("strict=%v: the run test case of an all-failed run passed", strict)
		}
		if f.Type != JUnitFailureRequests || f.Message != "every request failed: 6 of 6 requests" {
			t.Errorf("strict=%v: failure %+v", strict, f)
		}

		run.Counts.Failed, run.Counts.Cancelled = 4, 2
		if !run.AllFailed() {
			t.Errorf("4 failed and 2 cancelled of 6: want AllFailed")
		}
		run.Counts.Cancelled = 1
		doc = parseJUnit(t, junitXML(t, strict, run))
		if f := doc.Suites[0].Cases[0].Failure; f != nil {
			t.Errorf("strict=%v: a run with a success failed: %+v", strict, f)
		}
	}
}

// TestJUnitEscaping checks that markup, quotes, NUL, ESC and invalid UTF-8
// come out as well-formed XML that reads back as the scrubbed text.
func TestJUnitEscaping(t *testing.T) {
	run := nastyRun()
	for _, strict := range []bool{false, true} {
		out := junitXML(t, strict, run)
		if !utf8.Valid(out) {
			t.Errorf("strict=%v: output is not UTF-8", strict)
		}
		if i := bytes.IndexFunc(out, func(r rune) bool { return !allowedRune(r) }); i >= 0 {
			t.Errorf("strict=%v: output holds a character XML forbids at byte %d", strict, i)
		}
		doc := parseJUnit(t, out) // encoding/xml rejects forbidden characters
		s := doc.Suites[0]
		if got, want := attr(s.Attrs, "name"), "nasty <run> & \"co\"\uFFFD"; got != want {
			t.Errorf("suite name %q, want %q", got, want)
		}
		f := s.Cases[1].Failure
		want := "bad \uFFFD nul, \uFFFD[31mansi\uFFFD[0m, invalid \uFFFD\uFFFD utf-8, <tag> & \"quote\"\nsecond | line"
		if f == nil || f.Message != want {
			t.Fatalf("strict=%v: failure %+v, want message %q", strict, f, want)
		}
		if got := s.Cases[1].attr("name"); got != "ttft p99 < 800ms | `x` ]]>" {
			t.Errorf("test case name %q", got)
		}
		// A check without expression or message is still named and explained.
		if c := s.Cases[2]; c.attr("name") != "check 2" || c.Failure == nil || c.Failure.Message != "error_rate = 100%, want <= 0% (n=6)" {
			t.Errorf("unnamed check: name %q failure %+v", c.attr("name"), c.Failure)
		}
	}
}

func TestJUnitHostname(t *testing.T) {
	want, err := os.Hostname()
	if err != nil || strings.TrimSpace(want) == "" {
		want = "localhost"
	}
	var buf bytes.Buffer
	if err := NewJUnit(&buf).Write(emptyRun()); err != nil {
		t.Fatal(err)
	}
	if got := attr(parseJUnit(t, buf.Bytes()).Suites[0].Attrs, "hostname"); got != oneLine(want) {
		t.Errorf("hostname %q, want %q", got, want)
	}
}

func TestJUnitErrors(t *testing.T) {
	var buf bytes.Buffer
	err := NewJUnit(&buf).WriteRuns(sampleRun(), nil)
	if !errors.Is(err, ErrNilRun) {
		t.Errorf("WriteRuns(run, nil) = %v, want ErrNilRun", err)
	}
	if buf.Len() != 0 {
		t.Errorf("a failed WriteRuns wrote %d bytes", buf.Len())
	}
	werr := errors.New("disk full")
	if err := NewJUnit(failingWriter{werr}).Write(sampleRun()); !errors.Is(err, werr) {
		t.Errorf("Write to a failing writer = %v, want %v", err, werr)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// Parsing JUnit back.

type parsedDoc struct {
	XMLName xml.Name      `xml:"testsuites"`
	Attrs   []xml.Attr    `xml:",any,attr"`
	Suites  []parsedSuite `xml:"testsuite"`
}

type parsedSuite struct {
	Attrs      []xml.Attr        `xml:",any,attr"`
	Properties *parsedProperties `xml:"properties"`
	Cases      []parsedCase      `xml:"testcase"`
	SystemOut  string            `xml:"system-out"`
	SystemErr  *string           `xml:"system-err"`
}

type parsedProperties struct {
	Props []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"property"`
}

type parsedCase struct {
	Attrs      []xml.Attr        `xml:",any,attr"`
	Properties *parsedProperties `xml:"properties"`
	Failure    *parsedResult     `xml:"failure"`
	Error      *parsedResult     `xml:"error"`
	Skipped    *parsedResult     `xml:"skipped"`
	SystemOut  *string           `xml:"system-out"`
}

type parsedResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func (c parsedCase) attr(name string) string { return attr(c.Attrs, name) }

func parseJUnit(t *testing.T, data []byte) parsedDoc {
	t.Helper()
	var doc parsedDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parsing JUnit: %v\n%s", err, data)
	}
	return doc
}

// suiteChildren returns the names of each suite's child elements, in order.
func suiteChildren(t *testing.T, data []byte) [][]string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var out [][]string
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				out = append(out, nil)
			}
			if depth == 3 {
				out[len(out)-1] = append(out[len(out)-1], tok.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func checkAttr(t *testing.T, attrs []xml.Attr, name, want string) {
	t.Helper()
	if got := attr(attrs, name); got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func attrFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Errorf("time %q: %v", s, err)
	}
	return v
}

// xmllint and the schemas.

// junitSchemas are the schema files, in shared/junit, that the strict
// profile must satisfy.
var junitSchemas = []string{"ant-junit.xsd", "jenkins-xunit-junit-10.xsd"}

func xmllintPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found in PATH (Debian/Ubuntu package libxml2-utils); skipping XML validation")
	}
	return p
}

// schemaDir finds the JUnit schemas: $LLMTEST_JUNIT_XSD_DIR, or the first
// shared/junit folder holding both schemas in the package folder or one of
// its parents (../../shared/junit from reporters/ in our workspace).
func schemaDir(t *testing.T) string {
	t.Helper()
	has := func(dir string) bool {
		for _, f := range junitSchemas {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("LLMTEST_JUNIT_XSD_DIR"); dir != "" {
		if !has(dir) {
			t.Fatalf("LLMTEST_JUNIT_XSD_DIR=%s does not hold %v", dir, junitSchemas)
		}
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; {
		if cand := filepath.Join(dir, "shared", "junit"); has(cand) {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	t.Skipf("JUnit schemas %v not found in shared/junit of %s or any parent; set LLMTEST_JUNIT_XSD_DIR to validate", junitSchemas, wd)
	return ""
}

func runXMLLint(t *testing.T, lint string, args ...string) {
	t.Helper()
	out, err := exec.Command(lint, args...).CombinedOutput()
	if err != nil {
		file := args[len(args)-1]
		data, _ := os.ReadFile(file)
		t.Errorf("xmllint %s: %v\n%s\ndocument:\n%s", strings.Join(args, " "), err, out, data)
	}
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
