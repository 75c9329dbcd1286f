package llmtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/llmtest/llmtest/endpoints"
)

// PlanSections returns the sections of a plan file and the keys of each,
// in the order LoadPlan documents them. The "slo" section is a list and has
// no keys.
func PlanSections() []PlanSection {
	out := make([]PlanSection, len(planSections))
	for i, s := range planSections {
		out[i] = PlanSection{Name: s.Name, Keys: slices.Clone(s.Keys)}
	}
	return out
}

var planSections = []PlanSection{
	{"endpoint", []string{"url", "model", "api", "api-key-env"}},
	{"payloads", []string{"payload", "prompt", "max-tokens", "stream", "input-tokens", "output-tokens",
		"dataset", "prompts", "dataset-min-tokens", "dataset-max-tokens", "shared-prefix", "cache-bust",
		"ignore-eos", "tokenizer", "workload-seed", "trace", "trace-speed"}},
	{"load", []string{"clients", "requests", "duration", "ramp-up", "timeout", "low-memory",
		"rate", "arrival", "max-in-flight", "seed", "stage", "warmup", "turns", "think-time", "sweep-clients", "sweep-rates",
		"heatmap-inputs", "heatmap-outputs", "heatmap-requests", "shard", "start-at"}},
	{"slo", nil},
	{"reports", []string{"out", "run-name", "junit", "junit-strict", "json", "md",
		"progress", "progress-stats", "progress-interval", "progress-clients",
		"prometheus", "otlp-endpoint", "otlp-header", "server-metrics",
		"price-input", "price-output", "price-cached-input", "price-hour", "billing-granularity", "billing-minimum"}},
	{"sim", []string{"seed", "ttft", "prefill", "itl", "jitter", "output-tokens", "capacity", "max-queue",
		"error-rate", "mid-stream-failure-rate", "stall-rate", "stall"}},
	{"aws", []string{"region", "max-attempts", "endpoint-name", "inference-component", "style",
		"text-path", "input-tokens-path", "output-tokens-path", "stream-text-path",
		"stream-input-tokens-path", "stream-output-tokens-path", "stream-end-path", "ignore-stream-end"}},
}

// PlanSection is a section of a plan file and its keys.
type PlanSection struct {
	Name string
	Keys []string
}

// planKind is the type of a plan key's value.
type planKind int

const (
	kindString planKind = iota
	kindInt
	kindBool
	kindDuration
	kindFloat
	kindStages // ParseStages
	kindWarmup // ParseWarmup
	kindLevels // a list of sweep levels, separated by commas
	kindShard  // ParseShard
	kindTime   // an RFC 3339 time
	kindHeader // NAME=VALUE
)

// planKinds are the types of the keys that are not strings, by
// "section.key".
var planKinds = map[string]planKind{
	"payloads.max-tokens":         kindInt,
	"payloads.stream":             kindBool,
	"payloads.prompts":            kindInt,
	"payloads.dataset-min-tokens": kindInt,
	"payloads.dataset-max-tokens": kindInt,
	"payloads.shared-prefix":      kindInt,
	"payloads.cache-bust":         kindBool,
	"payloads.ignore-eos":         kindBool,
	"payloads.workload-seed":      kindInt,
	"payloads.trace-speed":        kindFloat,
	"load.clients":                kindInt,
	"load.requests":               kindInt,
	"load.duration":               kindDuration,
	"load.ramp-up":                kindDuration,
	"load.timeout":                kindDuration,
	"load.low-memory":             kindBool,
	"load.rate":                   kindFloat,
	"load.max-in-flight":          kindInt,
	"load.seed":                   kindInt,
	"load.stage":                  kindStages,
	"load.warmup":                 kindWarmup,
	"load.turns":                  kindInt,
	"load.think-time":             kindDuration,
	"load.sweep-clients":          kindLevels,
	"load.sweep-rates":            kindLevels,
	"load.heatmap-requests":       kindInt,
	"load.shard":                  kindShard,
	"load.start-at":               kindTime,
	"reports.junit-strict":        kindBool,
	"reports.progress-interval":   kindDuration,
	"reports.progress-clients":    kindBool,
	"reports.otlp-header":         kindHeader,
	"reports.price-input":         kindFloat,
	"reports.price-output":        kindFloat,
	"reports.price-cached-input":  kindFloat,
	"reports.price-hour":          kindFloat,
	"reports.billing-granularity": kindDuration,
	"reports.billing-minimum":     kindDuration,
	"sim.seed":                    kindInt,
	"sim.ttft":                    kindDuration,
	"sim.prefill":                 kindDuration,
	"sim.itl":                     kindDuration,
	"sim.jitter":                  kindFloat,
	"sim.output-tokens":           kindInt,
	"sim.capacity":                kindInt,
	"sim.max-queue":               kindInt,
	"sim.error-rate":              kindFloat,
	"sim.mid-stream-failure-rate": kindFloat,
	"sim.stall-rate":              kindFloat,
	"sim.stall":                   kindDuration,
	"aws.max-attempts":            kindInt,
	"aws.ignore-stream-end":       kindBool,
}

// Plan is a load test loaded from a plan file by [LoadPlan]. The endpoint
// section is data: the test builds its endpoint from it (llmtest does not
// import the endpoint packages) and [Plan.Config] puts the rest around it.
type Plan struct {
	// Path is the file the plan was loaded from.
	Path string
	// Endpoint is the endpoint section, expanded.
	Endpoint PlanEndpoint
	// SLO are the expressions of the slo list, expanded, in file order;
	// assertions.SLO evaluates them.
	SLO []string
	// Entries are every value the file sets, expanded and checked against
	// its key's type, in file order; the slo list is one entry per item.
	Entries []PlanEntry
	// Levels are the levels of load.sweep-clients or load.sweep-rates,
	// nil without either: a plan that sweeps. Give them to a sweep as
	// SweepConfig.Levels.
	Levels []Level

	config Config
}

// PlanEndpoint is the endpoint section of a plan.
type PlanEndpoint struct {
	URL       string // endpoint.url
	Model     string // endpoint.model
	API       string // endpoint.api, such as "openai-chat"
	APIKeyEnv string // endpoint.api-key-env: the variable that holds the key
}

// PlanEntry is one value a plan sets.
type PlanEntry struct {
	// Section and Key name the value: "load" and "clients". The items of
	// the slo list have Section "slo" and an empty Key.
	Section, Key string
	// Value is the value after expansion, in the syntax of the flag of the
	// same name; payloads.payload is resolved against the plan's folder.
	Value string
	// Line is the line of the value in the file, from 1.
	Line int
}

// Name is the entry's name in messages: "load.clients", or "slo" for an
// item of the slo list.
func (e PlanEntry) Name() string {
	if e.Key == "" {
		return e.Section
	}
	return e.Section + "." + e.Key
}

// PlanError reports a mistake in a plan file, at a line.
type PlanError struct {
	// Path is the plan file.
	Path string
	// Line is the line of the mistake, from 1; zero when it has none.
	Line int
	// Key names the value at fault, such as "load.clients"; empty when the
	// mistake is the key itself or the file.
	Key string
	// Reason says what is wrong.
	Reason string
}

func (e *PlanError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// LoadPlan reads and checks the plan file at path: every section and key
// must be known, every value must be a scalar of its key's type (the slo
// section a list of them), and every variable must be set or have a
// default. It returns every mistake it finds, each a *PlanError naming the
// file, line and key, joined with errors.Join. The rules between values
// (such as requests and duration being exclusive) are checked where the
// plan is used, after the command line's flags or the test's own fields
// are applied.
//
// A plan file declares one load test in YAML: the endpoint, the payloads,
// the load shape, the SLOs and the reports, so that a CI job keeps its load
// test in the repository and a Go test loads the same file. Its keys are
// the flags of `llmtest run`, grouped in sections:
//
//	endpoint:   url, model, api, api-key-env
//	payloads:   payload, prompt, max-tokens, stream, input-tokens,
//	            output-tokens, dataset, prompts, dataset-min-tokens,
//	            dataset-max-tokens, shared-prefix, cache-bust, ignore-eos,
//	            tokenizer, workload-seed, trace, trace-speed
//	load:       clients, requests, duration, ramp-up, timeout, low-memory,
//	            rate, arrival, max-in-flight, seed, stage, warmup, turns,
//	            think-time, sweep-clients, sweep-rates, heatmap-inputs,
//	            heatmap-outputs, heatmap-requests, shard, start-at
//	slo:        a list of SLO expressions, such as "ttft p99 < 800ms"
//	reports:    out, run-name, junit, junit-strict, json, md, progress,
//	            progress-stats, progress-interval, progress-clients,
//	            prometheus, otlp-endpoint, otlp-header, server-metrics
//	sim:        the simulator's flags without their "sim-" prefix (seed, ttft, ...)
//	aws:        region, max-attempts, endpoint-name, inference-component,
//	            style, text-path, input-tokens-path, output-tokens-path,
//	            stream-text-path, stream-input-tokens-path,
//	            stream-output-tokens-path, stream-end-path, ignore-stream-end
//
// Each value is a YAML scalar written as the flag's value would be:
// durations as "30s", booleans as true or false. A key left out keeps the
// default of where the plan is used (the flag's default in the command,
// the Config field's zero value in Go).
//
// Variables: after the file is parsed, every value (never a key) expands
// ${NAME} to the environment variable NAME, and ${NAME:-default} to
// default when NAME is unset or empty; $$ is a literal $. An unset variable without a
// default is an error naming it and its line. $NAME without braces is an
// error, so that a value never means something other than it reads.
// Because expansion follows parsing, a variable's value cannot change the
// file's structure.
//
// The API key is never written in a plan: endpoint.api-key-env names the
// variable that holds it, and must be a variable's name. An error quotes a
// value as it is written in the file, never its expansion, so that an
// expanded secret does not reach a log.
//
// Paths: payloads.payload, payloads.trace, and the file of
// payloads.dataset (KIND:FILE), are relative to the plan's folder, so that a test
// (run in its package's folder) and a CI job (run at the repository's
// root) read the same file. The report paths (reports.out, junit, json, md) are
// relative to the working directory, as on the command line.
func LoadPlan(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("llmtest: plan: %w", err)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, yamlError(path, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		if err != nil {
			return nil, yamlError(path, err)
		}
		return nil, &PlanError{Path: path, Line: next.Line, Reason: "a plan is one YAML document: a second one starts here"}
	}
	p := &Plan{Path: path}
	l := planLoader{p: p}
	l.load(&doc)
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	for _, e := range p.Entries {
		p.set(e)
	}
	return p, nil
}

// Config returns the load, payload and report sections as a Config with
// endpoint ep: Clients, Requests, Duration, RampUp, Timeout and LowMemory
// from load, Payloads from payloads.payload (nil without it: the test sets
// its own), OutputPath and RunName from reports. It checks the plan's
// values as Config.Validate does, less the fields the plan leaves to the
// test (Endpoint, and Payloads without payloads.payload); a broken rule is
// a *PlanError at the line of the key behind the field, such as
// "plan.yaml:9: load.ramp-up: must be shorter than load.duration (got 2m
// and 1m)". The Config is returned either way.
func (p *Plan) Config(ep endpoints.Endpoint) (Config, error) {
	c := p.config
	c.Endpoint = ep
	v := c
	if v.Endpoint == nil {
		v.Endpoint = struct{ endpoints.Endpoint }{} // non-nil, never called
	}
	if v.Payloads == nil {
		v.Payloads = endpoints.Payload{}
	}
	var ce *ConfigError
	if err := v.Validate(); errors.As(err, &ce) {
		key := planFields[ce.Field]
		line := 0
		for _, e := range p.Entries {
			if e.Name() == key {
				line = e.Line
			}
		}
		reason := configFieldRef.ReplaceAllStringFunc(ce.Reason, func(ref string) string {
			if k, ok := planFields[strings.TrimPrefix(ref, "Config.")]; ok {
				return k
			}
			return ref
		})
		if key == "" {
			key = "Config." + ce.Field
		}
		return c, &PlanError{Path: p.Path, Line: line, Key: key, Reason: reason}
	}
	return c, nil
}

// planFields are the plan keys behind the Config fields Plan.Config sets.
var planFields = map[string]string{
	"Clients":     "load.clients",
	"Requests":    "load.requests",
	"Duration":    "load.duration",
	"RampUp":      "load.ramp-up",
	"Timeout":     "load.timeout",
	"LowMemory":   "load.low-memory",
	"Rate":        "load.rate",
	"Arrival":     "load.arrival",
	"MaxInFlight": "load.max-in-flight",
	"Seed":        "load.seed",
	"Stages":      "load.stage",
	"Warmup":      "load.warmup",
	"Turns":       "load.turns",
	"ThinkTime":   "load.think-time",
	"Shard":       "load.shard",
	"StartAt":     "load.start-at",
	"Payloads":    "payloads.payload",
	"OutputPath":  "reports.out",
	"RunName":     "reports.run-name",
}

// configFieldRef matches a reference to a Config field in a reason.
var configFieldRef = regexp.MustCompile(`\bConfig\.[A-Za-z]+\b`)

// set puts entry e into the typed fields of p. Its value has been checked.
func (p *Plan) set(e PlanEntry) {
	d, _ := time.ParseDuration(e.Value)
	n, _ := strconv.ParseInt(e.Value, 0, strconv.IntSize)
	b, _ := strconv.ParseBool(e.Value)
	c := &p.config
	switch e.Name() {
	case "endpoint.url":
		p.Endpoint.URL = e.Value
	case "endpoint.model":
		p.Endpoint.Model = e.Value
	case "endpoint.api":
		p.Endpoint.API = e.Value
	case "endpoint.api-key-env":
		p.Endpoint.APIKeyEnv = e.Value
	case "slo":
		p.SLO = append(p.SLO, e.Value)
	case "payloads.payload":
		c.Payloads = e.Value
	case "load.clients":
		c.Clients = int(n)
	case "load.requests":
		c.Requests = int(n)
	case "load.duration":
		c.Duration = d
	case "load.ramp-up":
		c.RampUp = d
	case "load.timeout":
		c.Timeout = d
	case "load.low-memory":
		c.LowMemory = b
	case "load.rate":
		c.Rate, _ = strconv.ParseFloat(e.Value, 64)
	case "load.arrival":
		c.Arrival = Arrival(e.Value)
	case "load.max-in-flight":
		c.MaxInFlight = int(n)
	case "load.seed":
		c.Seed = uint64(n)
	case "load.stage":
		stages, _ := ParseStages(e.Value)
		c.Stages = append(c.Stages, stages...)
	case "load.warmup":
		c.Warmup, _ = ParseWarmup(e.Value)
	case "load.turns":
		c.Turns = int(n)
	case "load.think-time":
		c.ThinkTime = d
	case "load.shard":
		c.Shard, _ = ParseShard(e.Value)
	case "load.start-at":
		c.StartAt, _ = time.Parse(time.RFC3339Nano, e.Value)
	case "load.sweep-clients", "load.sweep-rates":
		levels, _ := ParseLevels(e.Value, e.Key == "sweep-rates")
		p.Levels = append(p.Levels, levels...)
	case "reports.out":
		c.OutputPath = e.Value
	case "reports.run-name":
		c.RunName = e.Value
	}
}

// yamlLine matches the line yaml's syntax errors start with.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError returns the YAML syntax error err as a *PlanError at its line.
func yamlError(path string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &PlanError{Path: path, Line: line, Reason: m[2]}
	}
	return &PlanError{Path: path, Reason: strings.TrimPrefix(msg, "yaml: ")}
}

// planLoader walks a plan's YAML tree and collects its entries and
// mistakes.
type planLoader struct {
	p    *Plan
	errs []error
}

func (l *planLoader) errorf(line int, key, format string, args ...any) {
	l.errs = append(l.errs, &PlanError{Path: l.p.Path, Line: line, Key: key, Reason: fmt.Sprintf(format, args...)})
}

func (l *planLoader) load(doc *yaml.Node) {
	if doc.Kind == 0 || len(doc.Content) == 0 {
		l.errorf(0, "", "the plan is empty")
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		l.errorf(root.Line, "", "want a mapping of sections (%s), got %s", sectionNames(), nodeKind(root))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		name := k.Value
		sec, ok := section(name)
		if !ok {
			l.errorf(k.Line, "", "unknown section %q%s", name, suggest(name, sectionList(), "section"))
			continue
		}
		if first, dup := seen[name]; dup {
			l.errorf(k.Line, name, "set twice (first on line %d)", first)
			continue
		}
		seen[name] = k.Line
		if name == "slo" {
			l.loadSLO(v)
			continue
		}
		l.loadSection(sec, v)
	}
}

func (l *planLoader) loadSLO(v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		l.errorf(v.Line, "slo", "want a list of SLO expressions, such as - ttft p99 < 800ms; got %s", nodeKind(v))
		return
	}
	for i, item := range v.Content {
		name := fmt.Sprintf("slo[%d]", i)
		if item.Kind != yaml.ScalarNode {
			l.errorf(item.Line, name, "want an SLO expression, got %s", nodeKind(item))
			continue
		}
		val, err := expand(item.Value)
		if err != nil {
			l.errorf(item.Line, name, "%v", err)
			continue
		}
		if strings.TrimSpace(val) == "" {
			l.errorf(item.Line, name, "the expression is empty")
			continue
		}
		l.p.Entries = append(l.p.Entries, PlanEntry{Section: "slo", Value: val, Line: item.Line})
	}
}

func (l *planLoader) loadSection(sec PlanSection, v *yaml.Node) {
	if v.Kind != yaml.MappingNode {
		l.errorf(v.Line, sec.Name, "want a mapping of keys (%s), got %s", strings.Join(sec.Keys, ", "), nodeKind(v))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		key := k.Value
		name := sec.Name + "." + key
		if !slices.Contains(sec.Keys, key) {
			hint := suggest(key, sec.Keys, "")
			if hint == "" {
				if other := sectionOf(key); other != "" {
					hint = fmt.Sprintf(" (it belongs in %s)", other)
				} else {
					hint = fmt.Sprintf(" (known: %s)", strings.Join(sec.Keys, ", "))
				}
			}
			l.errorf(k.Line, "", "unknown key %q in %s%s", key, sec.Name, hint)
			continue
		}
		if first, dup := seen[key]; dup {
			l.errorf(k.Line, name, "set twice (first on line %d)", first)
			continue
		}
		seen[key] = k.Line
		if val.Kind != yaml.ScalarNode {
			l.errorf(val.Line, name, "want a value, got %s", nodeKind(val))
			continue
		}
		if val.Tag == "!!null" {
			l.errorf(val.Line, name, "has no value")
			continue
		}
		s, err := expand(val.Value)
		if err != nil {
			l.errorf(val.Line, name, "%v", err)
			continue
		}
		if err := checkValue(name, s); err != nil {
			// Quote the value as written: its expansion may be a secret.
			l.errorf(val.Line, name, "%s, got %q", err, val.Value)
			continue
		}
		if (name == "payloads.payload" || name == "payloads.trace") && s != "" && !filepath.IsAbs(s) {
			s = filepath.Join(filepath.Dir(l.p.Path), s)
		}
		if kind, file, ok := strings.Cut(s, ":"); name == "payloads.dataset" && ok && file != "" && !filepath.IsAbs(file) {
			s = kind + ":" + filepath.Join(filepath.Dir(l.p.Path), file)
		}
		l.p.Entries = append(l.p.Entries, PlanEntry{Section: sec.Name, Key: key, Value: s, Line: val.Line})
	}
}

// checkValue checks that s, the expanded value of the key name, is of the
// key's type; the error says what is wanted.
func checkValue(name, s string) error {
	var err error
	switch planKinds[name] {
	case kindInt:
		// As the flag package parses it: 0x10 and 1_000 are numbers.
		if _, err = strconv.ParseInt(s, 0, 64); err != nil {
			return errors.New("want an integer")
		}
	case kindBool:
		if _, err = strconv.ParseBool(s); err != nil {
			return errors.New("want true or false")
		}
	case kindDuration:
		if _, err = time.ParseDuration(s); err != nil {
			return errors.New("want a duration such as 30s, 1m30s or 500ms")
		}
	case kindFloat:
		if _, err = strconv.ParseFloat(s, 64); err != nil {
			return errors.New("want a number")
		}
	case kindStages:
		if _, err = ParseStages(s); err != nil {
			return errors.New("want stages DURATION:TARGET such as 30s:100, separated by commas")
		}
	case kindWarmup:
		if _, err = ParseWarmup(s); err != nil {
			return errors.New("want a duration such as 10s or a number of requests such as 100")
		}
	case kindShard:
		if _, err = ParseShard(s); err != nil {
			return errors.New("want a shard i/N, 0-based, such as 0/4")
		}
	case kindTime:
		if _, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return errors.New("want an RFC 3339 time such as 2026-12-04T05:00:00Z")
		}
	case kindHeader:
		if k, _, ok := strings.Cut(s, "="); !ok || strings.TrimSpace(k) == "" {
			return errors.New("want a header NAME=VALUE, such as Authorization=Bearer ${TOKEN}")
		}
	case kindLevels:
		if _, err = ParseLevels(s, name == "load.sweep-rates"); err != nil {
			if name == "load.sweep-rates" {
				return errors.New("want positive rates in requests/s separated by commas, such as 10,20,40")
			}
			return errors.New("want client counts of at least 1 separated by commas, such as 1,2,4,8")
		}
	}
	if name == "endpoint.api-key-env" && !isEnvName(s) {
		return errors.New("want the name of the environment variable that holds the key, such as OPENAI_API_KEY, never the key")
	}
	return nil
}

// expand returns s with ${NAME} and ${NAME:-default} replaced by the
// environment's values and $$ by $. The error names the variable; it never
// holds a variable's value.
func expand(s string) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ in %q", s)
			}
			ref := s[i+2 : i+2+end]
			name, def, hasDef := strings.Cut(ref, ":-")
			if !isEnvName(name) {
				return "", fmt.Errorf("${%s}: %q is not a variable name", ref, name)
			}
			val := os.Getenv(name)
			switch {
			case val != "":
			case hasDef:
				val = def
			default:
				return "", fmt.Errorf("the environment variable %s is not set or empty (write ${%s:-default} for a default)", name, name)
			}
			b.WriteString(val)
			i += 2 + end
		case next == '_' || isLetter(next):
			j := i + 1
			for j < len(s) && (s[j] == '_' || isLetter(s[j]) || isDigit(s[j])) {
				j++
			}
			return "", fmt.Errorf("write ${%s}, not $%s (or $$ for a literal $)", s[i+1:j], s[i+1:j])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// isEnvName reports whether s is a portable environment variable name.
func isEnvName(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := range len(s) {
		if c := s[i]; c != '_' && !isLetter(c) && !isDigit(c) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

func section(name string) (PlanSection, bool) {
	for _, s := range planSections {
		if s.Name == name {
			return s, true
		}
	}
	return PlanSection{}, false
}

// sectionOf returns the section that has key, or "".
func sectionOf(key string) string {
	for _, s := range planSections {
		if slices.Contains(s.Keys, key) {
			return s.Name
		}
	}
	return ""
}

func sectionList() []string {
	names := make([]string, len(planSections))
	for i, s := range planSections {
		names[i] = s.Name
	}
	return names
}

func sectionNames() string { return strings.Join(sectionList(), ", ") }

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return fmt.Sprintf("%q", n.Value)
}

// suggest returns " (did you mean "x"?)" for the candidate closest to s
// within two edits, or a list of the candidates when what is set (for an
// unknown section).
func suggest(s string, candidates []string, what string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	switch {
	case best != "":
		return fmt.Sprintf(" (did you mean %q?)", best)
	case what != "":
		return fmt.Sprintf(" (known: %s)", strings.Join(candidates, ", "))
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
