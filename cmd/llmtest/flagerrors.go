package main

import (
	"cmp"
	"errors"
	"regexp"
	"strings"

	"github.com/llmtest/llmtest/llmtest"
)

// The command speaks in flags: an error that names the Go field behind a
// flag, such as "llmtest: Config.RampUp: ..." or "openai: Config.BaseURL:
// ...", is rewritten here to name the flag ("--ramp-up: ...", "--url:
// ..."). An error naming a field no flag sets is left as it is: it is a
// bug of the command, not a mistake on its command line.

// engineFlags maps the fields of llmtest.Config to the flags of
// `llmtest run` that set them.
var engineFlags = map[string]string{
	"Clients":        "--clients",
	"Requests":       "--requests",
	"Duration":       "--duration",
	"RampUp":         "--ramp-up",
	"Timeout":        "--timeout",
	"Payloads":       "--payload",
	"OutputPath":     "--out",
	"RunName":        "--run-name",
	"LowMemory":      "--low-memory",
	"Rate":           "--rate",
	"Arrival":        "--arrival",
	"MaxInFlight":    "--max-in-flight",
	"Seed":           "--seed",
	"Stages":         "--stage",
	"OpenLoopStages": "--stage",
	"Warmup":         "--warmup",
	"Turns":          "--turns",
	"ThinkTime":      "--think-time",
	"Shard":          "--shard",
	"StartAt":        "--start-at",
	"ArrivalTimes":   "--trace",
}

// providerFlags maps the Config fields of the endpoint packages (openai,
// anthropic, bedrock, sagemaker) to the flags that set them. The API key
// is named by the variable it was read from; see runOptions.flagError.
var providerFlags = map[string]string{
	"BaseURL":                "--url",
	"BaseEndpoint":           "--url",
	"Model":                  "--model",
	"ModelID":                "--model",
	"Region":                 "--region",
	"MaxAttempts":            "--max-attempts",
	"EndpointName":           "--endpoint-name",
	"InferenceComponentName": "--inference-component",
	"Style":                  "--style",
	"TextPath":               "--text-path",
	"InputTokensPath":        "--input-tokens-path",
	"OutputTokensPath":       "--output-tokens-path",
	"StreamTextPath":         "--stream-text-path",
	"StreamInputTokensPath":  "--stream-input-tokens-path",
	"StreamOutputTokensPath": "--stream-output-tokens-path",
	"StreamEndPath":          "--stream-end-path",
}

// simFlagNames maps the fields of sim.Config to the simulator flags,
// without their prefix ("sim-" in `llmtest run`, none in `llmtest sim`).
var simFlagNames = map[string]string{
	"FirstTokenLatency":    "ttft",
	"PrefillPerToken":      "prefill",
	"InterTokenLatency":    "itl",
	"Jitter":               "jitter",
	"MaxOutputTokens":      "output-tokens",
	"Capacity":             "capacity",
	"MaxQueue":             "max-queue",
	"ErrorRate":            "error-rate",
	"MidStreamFailureRate": "mid-stream-failure-rate",
	"StallRate":            "stall-rate",
	"StallDuration":        "stall",
}

// fieldLine matches one line of a package's configuration error:
// "<package>: Config.<Field>: <reason>". A field may be a sum of fields
// ("ErrorRate+StallRate").
var fieldLine = regexp.MustCompile(`^(?:llmtest|openai|anthropic|bedrock|sagemaker|sim): Config\.([A-Za-z]+(?:\+[A-Za-z]+)*): (.*)$`)

// configField matches a reference to a field inside a reason.
var configField = regexp.MustCompile(`\bConfig\.([A-Za-z]+)\b`)

// flagNamer names the flag behind a Config field, "" when no flag sets it.
type flagNamer func(field string) string

func tableNamer(table map[string]string) flagNamer {
	return func(field string) string { return table[field] }
}

func simNamer(prefix string) flagNamer {
	return func(field string) string {
		if n, ok := simFlagNames[field]; ok {
			return "--" + prefix + n
		}
		return ""
	}
}

// rewriteFields returns err with every line of the form
// "<package>: Config.<Field>: <reason>" whose field has a flag (as name
// tells) rewritten to "<flag>: <reason>", with the fields the reason
// refers to named likewise; the result is a *usageError wrapping err. It
// returns nil for nil, and err itself when no line names a field with a
// flag. bare also rewrites fields named without "Config." in a reason (the
// simulator's reasons name each other that way).
func rewriteFields(err error, name flagNamer, bare bool) error {
	if err == nil {
		return nil
	}
	lines := strings.Split(err.Error(), "\n")
	changed := false
	for i, line := range lines {
		m := fieldLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var flags []string
		for f := range strings.SplitSeq(m[1], "+") {
			if flags = append(flags, name(f)); flags[len(flags)-1] == "" {
				break
			}
		}
		if flags[len(flags)-1] == "" {
			continue
		}
		reason := fieldRefs(m[2], name)
		if bare {
			reason = bareFieldNames(reason, name)
		}
		lines[i] = strings.Join(flags, " + ") + ": " + reason
		changed = true
	}
	if !changed {
		return err
	}
	return &usageError{msg: strings.Join(lines, "\n"), err: err}
}

// fieldRefs rewrites the references "Config.<Field>" in s to the flags
// that name knows.
func fieldRefs(s string, name flagNamer) string {
	return configField.ReplaceAllStringFunc(s, func(ref string) string {
		return cmp.Or(name(strings.TrimPrefix(ref, "Config.")), ref)
	})
}

var bareField = regexp.MustCompile(`\b[A-Z][A-Za-z]+\b`)

func bareFieldNames(s string, name flagNamer) string {
	return bareField.ReplaceAllStringFunc(s, func(w string) string { return cmp.Or(name(w), w) })
}

// flagError returns err rewritten to name the flags of `llmtest run`: an
// *llmtest.ConfigError or *llmtest.PayloadError, or an error of an
// endpoint package or the simulator naming its Config fields. An error
// with nothing to rewrite is returned as it is.
func (o *runOptions) flagError(err error) error {
	var ue *usageError
	if err == nil || errors.As(err, &ue) {
		return err
	}
	var ce *llmtest.ConfigError
	if errors.As(err, &ce) {
		// "Stages[1].Target" and "Warmup.Requests" are set by --stage and
		// --warmup.
		flag := engineFlags[strings.FieldsFunc(ce.Field, func(r rune) bool { return r == '[' || r == '.' })[0]]
		if flag == "" {
			return err
		}
		return &usageError{msg: flag + ": " + fieldRefs(ce.Reason, tableNamer(engineFlags)), err: err}
	}
	var pe *llmtest.PayloadError
	if errors.As(err, &pe) {
		return &usageError{msg: o.payloadFlag() + ": " + strings.TrimPrefix(err.Error(), "llmtest: "), err: err}
	}
	err = rewriteFields(err, func(field string) string {
		if field == "APIKey" {
			return "the API key in $" + o.keyEnv()
		}
		return providerFlags[field]
	}, false)
	if errors.As(err, &ue) {
		ue.msg = reasonFixes.Replace(ue.msg)
	}
	return err
}

// reasonFixes rewrite the reasons of endpoint packages that name Go
// fields in prose.
var reasonFixes = strings.NewReplacer(
	"no region in Config, AWSConfig, AWS_REGION or the shared config file",
	"no region in --region, AWS_REGION or the shared config file",
)

// simFlagError returns err, an error of sim.ServerConfig.Validate or
// sim.Listen, rewritten to name the simulator's flags, which carry prefix.
func simFlagError(err error, prefix string) error {
	return rewriteFields(err, simNamer(prefix), true)
}

// payloadFlag names the source of the payloads: --payload, --prompt, or
// the built-in prompts.
func (o *runOptions) payloadFlag() string {
	switch {
	case o.payload != "":
		return "--payload"
	case o.prompt != "":
		return "--prompt"
	}
	return "the built-in prompts"
}
