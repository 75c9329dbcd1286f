package llmtest

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
)

// csvColumn is one column of the CSV of invocations.
type csvColumn struct {
	name  string
	value func(inv *Invocation) string
}

// csvColumns are the columns of WriteCSV, in order: the fields of
// responses.jsonl, with LLMeter's names, but the prompt and the response
// text.
var csvColumns = []csvColumn{
	{"id", func(inv *Invocation) string { return inv.ID }},
	{"request_time", func(inv *Invocation) string { return csvTime(inv.RequestTime) }},
	{"intended_time", func(inv *Invocation) string { return csvTime(inv.IntendedTime) }},
	{"time_to_first_token", func(inv *Invocation) string { return csvSeconds(inv.TimeToFirstToken) }},
	{"time_to_first_output", func(inv *Invocation) string { return csvSeconds(inv.TimeToFirstOutput) }},
	{"time_to_last_token", func(inv *Invocation) string { return csvSeconds(inv.TimeToLastToken) }},
	{"time_per_output_token", func(inv *Invocation) string { return csvSeconds(inv.TimePerOutputToken) }},
	{"time_to_end", func(inv *Invocation) string { return csvSeconds(inv.TimeToEnd) }},
	{"num_tokens_input", func(inv *Invocation) string { return csvCount(inv.NumTokensInput, inv.InputTokensFrom != "") }},
	{"num_tokens_input_cached", func(inv *Invocation) string { return csvCount(inv.NumTokensInputCached, inv.NumTokensInputCached != 0) }},
	{"num_tokens_output", func(inv *Invocation) string { return csvCount(inv.NumTokensOutput, inv.OutputTokensFrom != "") }},
	{"num_tokens_reasoning", func(inv *Invocation) string { return csvCount(inv.NumTokensReasoning, inv.ReasoningTokensFrom != "") }},
	{"num_tokens_output_visible", func(inv *Invocation) string { return csvCount(inv.NumTokensVisible, inv.OutputTokensFrom != "") }},
	{"num_tokens_input_source", func(inv *Invocation) string { return string(inv.InputTokensFrom) }},
	{"num_tokens_output_source", func(inv *Invocation) string { return string(inv.OutputTokensFrom) }},
	{"num_tokens_reasoning_source", func(inv *Invocation) string { return string(inv.ReasoningTokensFrom) }},
	{"chunks", func(inv *Invocation) string { return strconv.Itoa(inv.Chunks) }},
	{"retries", func(inv *Invocation) string { return strconv.Itoa(inv.Retries) }},
	{"status_code", func(inv *Invocation) string { return csvCount(inv.StatusCode, inv.StatusCode != 0) }},
	{"error", func(inv *Invocation) string { return inv.Error }},
	{"cancelled", func(inv *Invocation) string { return strconv.FormatBool(inv.Cancelled) }},
	{"warmup", func(inv *Invocation) string { return strconv.FormatBool(inv.Warmup) }},
	{"conversation_id", func(inv *Invocation) string { return inv.Conversation }},
	{"turn", func(inv *Invocation) string { return csvCount(inv.Turn, inv.Turn > 0) }},
	{"conn_reused", func(inv *Invocation) string {
		if !inv.Conn.Traced {
			return ""
		}
		return strconv.FormatBool(inv.Conn.Reused)
	}},
	{"dns_time", func(inv *Invocation) string { return csvSeconds(inv.Conn.DNS) }},
	{"connect_time", func(inv *Invocation) string { return csvSeconds(inv.Conn.Connect) }},
	{"tls_time", func(inv *Invocation) string { return csvSeconds(inv.Conn.TLS) }},
	{"time_to_conn", func(inv *Invocation) string { return csvSeconds(inv.Conn.GotConn) }},
	{"time_to_request_written", func(inv *Invocation) string { return csvSeconds(inv.Conn.WroteRequest) }},
	{"time_to_first_byte", func(inv *Invocation) string { return csvSeconds(inv.Conn.FirstByte) }},
}

// CSVColumns returns the header of [WriteCSV]: the names of its columns,
// in order.
func CSVColumns() []string {
	names := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		names[i] = c.name
	}
	return names
}

// WriteCSV writes invs to w as CSV (RFC 4180, by encoding/csv): a header
// of [CSVColumns], then one row per invocation, in order, as a
// spreadsheet reads them. The columns are the fields of responses.jsonl
// with its names, less the prompt and the response text: times are UTC
// RFC 3339 with nanoseconds, durations seconds, and an absent value (a
// null in responses.jsonl) is an empty cell. It writes one row at a time,
// so that the records of a low-memory run stream from its file
// ([Result.Responses]); it stops at the first error of invs, after the
// rows before it.
func WriteCSV(w io.Writer, invs iter.Seq2[Invocation, error]) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns()); err != nil {
		return fmt.Errorf("llmtest: writing CSV: %w", err)
	}
	row := make([]string, len(csvColumns))
	for inv, err := range invs {
		if err != nil {
			cw.Flush()
			return fmt.Errorf("llmtest: writing CSV: %w", err)
		}
		for i, c := range csvColumns {
			row[i] = c.value(&inv)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("llmtest: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("llmtest: writing CSV: %w", err)
	}
	return nil
}

// WriteCSV writes the run's invocations ([Result.Responses]) to w as
// [WriteCSV] does.
func (r *Result) WriteCSV(w io.Writer) error { return WriteCSV(w, r.Responses()) }

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func csvSeconds(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return strconv.FormatFloat(d.Seconds(), 'g', -1, 64)
}

func csvCount(n int, present bool) string {
	if !present {
		return ""
	}
	return strconv.Itoa(n)
}
