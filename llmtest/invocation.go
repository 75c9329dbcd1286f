package llmtest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/llmtest/llmtest/internal/jsonscan"
)

// TokenSource says where a token count came from.
type TokenSource string

// Token count sources. The empty TokenSource means the count is absent.
const (
	// FromServer marks a count the server reported in its usage.
	FromServer TokenSource = "server"
	// FromTokenizer marks a count made with the run's tokenizer, because the
	// server reported none.
	FromTokenizer TokenSource = "tokenizer"
)

// Invocation is the record of one request: LLMeter's invocation fields plus
// where the token counts came from and the number of chunks.
//
// Durations are measured from the send time t0 with the monotonic clock.
// A zero duration means the value is absent (null in JSON): a measured
// duration is never zero, because the recorder rounds a zero reading up to
// one nanosecond. A token count is present exactly when its source is set.
type Invocation struct {
	// ID is the server's response id, or one the engine made ("req-<n>").
	ID string
	// RequestTime is the wall-clock send time t0, at full precision.
	RequestTime time.Time
	// InputPrompt is the input text, as the endpoint extracted it.
	InputPrompt string
	// ResponseText is the visible output text: the streamed deltas joined,
	// or the body of a non-streaming response.
	ResponseText string

	// TimeToFirstToken is the time to the first non-empty visible text
	// delta. Absent for non-streaming responses.
	TimeToFirstToken time.Duration
	// TimeToFirstOutput is the time to the first non-empty text or
	// reasoning delta. Absent for non-streaming responses.
	TimeToFirstOutput time.Duration
	// TimeToLastToken is the time to the last visible text delta (for a
	// streaming response without any visible text, to the end of the
	// response), or to the end of the body of a non-streaming response.
	// Absent for failed requests.
	TimeToLastToken time.Duration
	// TimePerOutputToken is (TimeToLastToken - TimeToFirstToken) /
	// (NumTokensVisible - 1): the visible window divided by the visible
	// tokens in it. Present only for successful streaming responses with
	// more than one visible output token.
	TimePerOutputToken time.Duration
	// InterTokenLatencies are the gaps between consecutive visible text
	// deltas, in order; a response of n chunks has n-1 gaps.
	InterTokenLatencies []time.Duration

	// NumTokensInput is the number of input tokens; see InputTokensFrom.
	NumTokensInput int
	// NumTokensOutput is the number of output tokens; see OutputTokensFrom.
	NumTokensOutput int
	// NumTokensInputCached is the number of input tokens the server served
	// from its cache, when it said so.
	NumTokensInputCached int
	// NumTokensReasoning is the number of reasoning ("thinking") tokens
	// among the output tokens: the server's count when it reports one;
	// else, from the reasoning text received, counted with the tokenizer
	// (ReasoningTokensFrom is FromTokenizer): when the server reported
	// output tokens, they are split between reasoning and visible text in
	// the proportion the tokenizer counts of each, so that a tokenizer
	// that counts other units than the server's still splits the server's
	// count right.
	NumTokensReasoning int
	// NumTokensVisible is the number of visible output tokens,
	// NumTokensOutput - NumTokensReasoning: the count TimePerOutputToken
	// divides by. It is present when NumTokensOutput is.
	NumTokensVisible int
	// InputTokensFrom, OutputTokensFrom and ReasoningTokensFrom say where
	// the counts came from; empty means the count is absent (for
	// reasoning: the response had none that the server or the tokenizer
	// saw).
	InputTokensFrom     TokenSource
	OutputTokensFrom    TokenSource
	ReasoningTokensFrom TokenSource

	// Chunks is the number of non-empty visible text deltas received.
	Chunks int
	// Retries is the number of transport retries the endpoint reported.
	Retries int
	// StatusCode is the HTTP status of a failed request, when it had one.
	StatusCode int
	// Error describes why the request failed or was cancelled; empty for
	// a success.
	Error string
	// Cancelled reports that the request was cut by the run's
	// interruption (its context was cancelled, by Ctrl-C, a test's
	// deadline or a fatal error elsewhere in the run) before its response
	// ended. A cancelled request is neither a success nor a failure: it is
	// counted in cancelled_requests and left out of failed_requests, the
	// failure rate and every latency aggregate.
	Cancelled bool

	// TimeToEnd is the time from t0 to the end of the request: the end
	// of its response, its failure or its cancellation. It places the
	// request's end in the run's time series, so a failure that took
	// seconds is counted in flight until it failed. Absent in records
	// written before it was recorded, and in LLMeter's.
	TimeToEnd time.Duration

	// IntendedTime is, in an open loop, when the schedule meant to send
	// the request (wall and monotonic clock): RequestTime minus
	// IntendedTime is its schedule lag, and its latencies measured from
	// IntendedTime are free of coordinated omission. Zero in a closed
	// loop.
	IntendedTime time.Time
	// Warmup marks a request of the run's warm-up (Config.Warmup): it is
	// recorded but left out of every statistic.
	Warmup bool

	// Conversation identifies the conversation the request is a turn of
	// (Config.Turns), "c<client>-<n>"; empty for a single request.
	Conversation string
	// Turn is the request's 1-based turn number in its Conversation; 0
	// for a single request.
	Turn int

	// Conn holds the client-side phases of the request's HTTP exchange
	// (connection reuse, DNS, connect, TLS, request written, first byte),
	// for the endpoints that trace them; Conn.Traced is false otherwise.
	Conn ConnPhases
}

// endTime returns when the request ended: its send time plus TimeToEnd,
// or, for a record without it, plus its longest recorded duration (its
// send time when it has none).
func (inv *Invocation) endTime() time.Time {
	d := inv.TimeToEnd
	if d == 0 {
		d = max(inv.TimeToLastToken, inv.TimeToFirstToken, inv.TimeToFirstOutput)
	}
	return inv.RequestTime.Add(d)
}

// lag returns the request's schedule lag, RequestTime − IntendedTime, at
// least 1ns, or 0 when it has no intended time.
func (inv *Invocation) lag() time.Duration {
	if inv.IntendedTime.IsZero() || inv.RequestTime.IsZero() {
		return 0
	}
	return max(inv.RequestTime.Sub(inv.IntendedTime), 1)
}

// fromIntended returns d measured from the intended time instead of the
// send time: d plus the schedule lag; 0 when d or the lag is absent.
func (inv *Invocation) fromIntended(d time.Duration) time.Duration {
	lag := inv.lag()
	if d == 0 || lag == 0 {
		return 0
	}
	return d + lag
}

// Failed reports whether the request failed. A cancelled request has not
// failed, and has not succeeded either: use Succeeded to ask whether a
// request completed.
func (inv *Invocation) Failed() bool { return inv.Error != "" && !inv.Cancelled }

// Succeeded reports whether the request completed without an error.
func (inv *Invocation) Succeeded() bool { return inv.Error == "" }

// appendJSON appends inv as one JSON object, with LLMeter's field names and
// durations in seconds. It is the encoding of responses.jsonl, written by
// hand so that the collector allocates nothing per record.
func (inv *Invocation) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, inv.ID)
	b = append(b, `,"request_time":`...)
	if inv.RequestTime.IsZero() {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = inv.RequestTime.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"input_prompt":`...)
	b = appendString(b, inv.InputPrompt)
	b = append(b, `,"response_text":`...)
	if !inv.Succeeded() && inv.ResponseText == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, inv.ResponseText)
	}
	b = appendSeconds(b, `,"time_to_first_token":`, inv.TimeToFirstToken)
	b = appendSeconds(b, `,"time_to_first_output":`, inv.TimeToFirstOutput)
	b = appendSeconds(b, `,"time_to_last_token":`, inv.TimeToLastToken)
	b = appendSeconds(b, `,"time_per_output_token":`, inv.TimePerOutputToken)
	b = appendSeconds(b, `,"time_to_end":`, inv.TimeToEnd)
	b = appendCount(b, `,"num_tokens_input":`, inv.NumTokensInput, inv.InputTokensFrom != "")
	b = appendCount(b, `,"num_tokens_output":`, inv.NumTokensOutput, inv.OutputTokensFrom != "")
	b = appendCount(b, `,"num_tokens_input_cached":`, inv.NumTokensInputCached, inv.NumTokensInputCached != 0)
	b = appendCount(b, `,"num_tokens_reasoning":`, inv.NumTokensReasoning, inv.ReasoningTokensFrom != "")
	b = appendCount(b, `,"num_tokens_output_visible":`, inv.NumTokensVisible, inv.OutputTokensFrom != "")
	b = append(b, `,"num_tokens_input_source":`...)
	b = appendSource(b, inv.InputTokensFrom)
	b = append(b, `,"num_tokens_output_source":`...)
	b = appendSource(b, inv.OutputTokensFrom)
	b = append(b, `,"num_tokens_reasoning_source":`...)
	b = appendSource(b, inv.ReasoningTokensFrom)
	b = append(b, `,"chunks":`...)
	b = strconv.AppendInt(b, int64(inv.Chunks), 10)
	b = append(b, `,"retries":`...)
	b = strconv.AppendInt(b, int64(inv.Retries), 10)
	b = appendCount(b, `,"status_code":`, inv.StatusCode, inv.StatusCode != 0)
	b = append(b, `,"error":`...)
	if inv.Error == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, inv.Error)
	}
	b = append(b, `,"cancelled":`...)
	b = strconv.AppendBool(b, inv.Cancelled)
	b = append(b, `,"inter_token_latencies":[`...)
	for i, d := range inv.InterTokenLatencies {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, d.Seconds(), 'g', -1, 64)
	}
	b = append(b, ']')
	if !inv.IntendedTime.IsZero() {
		b = append(b, `,"intended_time":"`...)
		b = inv.IntendedTime.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if inv.Warmup {
		b = append(b, `,"warmup":true`...)
	}
	if inv.Turn > 0 {
		b = append(b, `,"conversation_id":`...)
		b = appendString(b, inv.Conversation)
		b = append(b, `,"turn":`...)
		b = strconv.AppendInt(b, int64(inv.Turn), 10)
	}
	b = inv.Conn.appendJSON(b)
	return append(b, '}')
}

// MarshalJSON encodes inv as a line of responses.jsonl.
func (inv Invocation) MarshalJSON() ([]byte, error) {
	return inv.appendJSON(nil), nil
}

func appendSeconds(b []byte, key string, d time.Duration) []byte {
	b = append(b, key...)
	if d == 0 {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, d.Seconds(), 'g', -1, 64)
}

func appendCount(b []byte, key string, n int, present bool) []byte {
	b = append(b, key...)
	if !present {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(n), 10)
}

func appendSource(b []byte, s TokenSource) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, string(s))
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it by default (HTML characters included); invalid UTF-8 becomes
// U+FFFD.
func appendString(b []byte, s string) []byte { return jsonscan.AppendQuote(b, s, true) }

// invocationJSON is the decoded form of a responses.jsonl line.
type invocationJSON struct {
	ID                   string          `json:"id"`
	RequestTime          time.Time       `json:"request_time"`
	InputPrompt          json.RawMessage `json:"input_prompt"`
	ResponseText         *string         `json:"response_text"`
	TimeToFirstToken     *float64        `json:"time_to_first_token"`
	TimeToFirstOutput    *float64        `json:"time_to_first_output"`
	TimeToLastToken      *float64        `json:"time_to_last_token"`
	TimePerOutputToken   *float64        `json:"time_per_output_token"`
	TimeToEnd            *float64        `json:"time_to_end"`
	NumTokensInput       *int            `json:"num_tokens_input"`
	NumTokensOutput      *int            `json:"num_tokens_output"`
	NumTokensInputCached *int            `json:"num_tokens_input_cached"`
	NumTokensReasoning   *int            `json:"num_tokens_reasoning"`
	LLMeterReasoning     *int            `json:"num_tokens_output_reasoning"`
	NumTokensVisible     *int            `json:"num_tokens_output_visible"`
	InputSource          *string         `json:"num_tokens_input_source"`
	OutputSource         *string         `json:"num_tokens_output_source"`
	ReasoningSource      *string         `json:"num_tokens_reasoning_source"`
	Chunks               int             `json:"chunks"`
	Retries              *int            `json:"retries"`
	StatusCode           *int            `json:"status_code"`
	Error                *string         `json:"error"`
	Cancelled            *bool           `json:"cancelled"`
	InterTokenLatencies  []float64       `json:"inter_token_latencies"`
	IntendedTime         time.Time       `json:"intended_time"`
	Warmup               bool            `json:"warmup"`
	Conversation         string          `json:"conversation_id"`
	Turn                 int             `json:"turn"`
	connPhasesJSON
}

// UnmarshalJSON decodes a line of responses.jsonl, also one written by
// LLMeter: counts without a source field are taken as server-reported,
// num_tokens_output_reasoning is the reasoning count, a null retries is 0,
// and an input_prompt that is not a string is kept as its JSON text.
func (inv *Invocation) UnmarshalJSON(b []byte) error {
	var j invocationJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*inv = Invocation{
		ID:           j.ID,
		RequestTime:  j.RequestTime,
		InputPrompt:  promptText(j.InputPrompt),
		Chunks:       j.Chunks,
		IntendedTime: j.IntendedTime,
		Warmup:       j.Warmup,
		Conversation: j.Conversation,
		Turn:         j.Turn,
	}
	if j.Retries != nil {
		inv.Retries = *j.Retries
	}
	if j.NumTokensReasoning == nil {
		j.NumTokensReasoning = j.LLMeterReasoning // LLMeter's name
	}
	if j.ResponseText != nil {
		inv.ResponseText = *j.ResponseText
	}
	var err error
	set := func(dst *time.Duration, name string, s *float64) {
		if s == nil || *s == 0 || err != nil {
			return // null or 0: absent (LLMeter writes a TPOT of 0.0 when TTLT = TTFT)
		}
		if *s < 0 || math.IsInf(*s, 0) || math.IsNaN(*s) || *s > maxSeconds {
			err = fmt.Errorf("%s: invalid duration %v", name, *s)
			return
		}
		*dst = secondsToDuration(*s)
	}
	set(&inv.TimeToFirstToken, "time_to_first_token", j.TimeToFirstToken)
	set(&inv.TimeToFirstOutput, "time_to_first_output", j.TimeToFirstOutput)
	set(&inv.TimeToLastToken, "time_to_last_token", j.TimeToLastToken)
	set(&inv.TimePerOutputToken, "time_per_output_token", j.TimePerOutputToken)
	set(&inv.TimeToEnd, "time_to_end", j.TimeToEnd)
	if j.Reused != nil {
		inv.Conn = ConnPhases{Traced: true, Reused: *j.Reused}
		set(&inv.Conn.DNS, "dns_time", j.DNS)
		set(&inv.Conn.Connect, "connect_time", j.Connect)
		set(&inv.Conn.TLS, "tls_time", j.TLS)
		set(&inv.Conn.GotConn, "time_to_conn", j.GotConn)
		set(&inv.Conn.WroteRequest, "time_to_request_written", j.WroteRequest)
		set(&inv.Conn.FirstByte, "time_to_first_byte", j.FirstByte)
	}
	if err != nil {
		return err
	}
	if j.NumTokensInput != nil {
		inv.NumTokensInput = *j.NumTokensInput
		inv.InputTokensFrom = sourceOr(j.InputSource)
	}
	if j.NumTokensOutput != nil {
		inv.NumTokensOutput = *j.NumTokensOutput
		inv.OutputTokensFrom = sourceOr(j.OutputSource)
	}
	if j.NumTokensInputCached != nil {
		inv.NumTokensInputCached = *j.NumTokensInputCached
	}
	if j.NumTokensReasoning != nil {
		inv.NumTokensReasoning = *j.NumTokensReasoning
		inv.ReasoningTokensFrom = sourceOr(j.ReasoningSource)
	}
	switch {
	case j.NumTokensVisible != nil:
		inv.NumTokensVisible = *j.NumTokensVisible
	case inv.OutputTokensFrom != "": // written before the field existed
		inv.NumTokensVisible = max(inv.NumTokensOutput-inv.NumTokensReasoning, 0)
	}
	if j.StatusCode != nil {
		inv.StatusCode = *j.StatusCode
	}
	if j.Error != nil {
		inv.Error = *j.Error
	}
	switch {
	case j.Cancelled != nil:
		inv.Cancelled = *j.Cancelled
	default:
		// Files written before the field existed marked a request cut by
		// the interruption only in its error text.
		inv.Cancelled = strings.HasPrefix(inv.Error, legacyInterruptedPrefix)
	}
	if len(j.InterTokenLatencies) > 0 {
		inv.InterTokenLatencies = make([]time.Duration, len(j.InterTokenLatencies))
		for i, s := range j.InterTokenLatencies {
			if s < 0 || math.IsInf(s, 0) || math.IsNaN(s) || s > maxSeconds {
				return fmt.Errorf("inter_token_latencies[%d]: invalid duration %v", i, s)
			}
			inv.InterTokenLatencies[i] = secondsToDuration(s)
		}
	}
	return nil
}

// promptText returns an input_prompt: a JSON string as its text, another
// value (LLMeter records some prompts as objects) as its JSON, null or
// absent as "".
func promptText(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	return string(raw)
}

// legacyInterruptedPrefix begins the error of a request cut by an
// interruption in responses.jsonl files written before "cancelled".
const legacyInterruptedPrefix = "interrupted: "

// maxSeconds is the longest duration a time.Duration holds, in seconds.
const maxSeconds = float64(math.MaxInt64) / 1e9

func secondsToDuration(s float64) time.Duration {
	d := time.Duration(math.Round(s * 1e9))
	if d == 0 && s > 0 {
		d = 1
	}
	return d
}

func sourceOr(s *string) TokenSource {
	if s == nil || *s == "" {
		return FromServer
	}
	return TokenSource(*s)
}
