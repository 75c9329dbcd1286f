package llmtest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/llmtest/llmtest/endpoints"
)

// checkCSV reads the CSV in b back with encoding/csv and checks every row
// against invs, in order.
func checkCSV(t *testing.T, b []byte, invs []Invocation) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, len(invs)+1, "a header and a row per invocation")
	assert.Equal(t, CSVColumns(), rows[0])
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	seconds := func(s string) time.Duration {
		if s == "" {
			return 0
		}
		f, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return secondsToDuration(f)
	}
	for i, inv := range invs {
		row := rows[i+1]
		assert.Equal(t, inv.ID, row[col["id"]])
		rt, err := time.Parse(time.RFC3339Nano, row[col["request_time"]])
		require.NoError(t, err)
		assert.True(t, inv.RequestTime.Equal(rt), "request_time at full precision")
		assert.Equal(t, inv.TimeToFirstToken, seconds(row[col["time_to_first_token"]]))
		assert.Equal(t, inv.TimeToLastToken, seconds(row[col["time_to_last_token"]]))
		assert.Equal(t, inv.TimeToEnd, seconds(row[col["time_to_end"]]))
		assert.Equal(t, strconv.Itoa(inv.NumTokensInput), row[col["num_tokens_input"]])
		if inv.OutputTokensFrom != "" {
			assert.Equal(t, strconv.Itoa(inv.NumTokensOutput), row[col["num_tokens_output"]])
		} else {
			assert.Empty(t, row[col["num_tokens_output"]], "absent: an empty cell")
		}
		assert.Equal(t, inv.Error, row[col["error"]], "the error survives quoting")
		assert.Equal(t, strconv.Itoa(inv.Chunks), row[col["chunks"]])
		assert.Equal(t, strconv.FormatBool(inv.Cancelled), row[col["cancelled"]])
		if inv.Conn.Traced {
			assert.Equal(t, strconv.FormatBool(inv.Conn.Reused), row[col["conn_reused"]])
		} else {
			assert.Empty(t, row[col["conn_reused"]], "not traced: empty")
		}
		assert.Equal(t, inv.Conn.FirstByte, seconds(row[col["time_to_first_byte"]]))
		assert.Equal(t, inv.Conn.Connect, seconds(row[col["connect_time"]]))
	}
}

func TestWriteCSV(t *testing.T) {
	ep := &fakeEndpoint{
		Chunks: []string{"a", " b", " c"},
		Usage:  endpoints.Usage{InputTokens: 7, OutputTokens: 3},
		Fail: func(n int64) error {
			if n%3 == 0 {
				return errors.New(`bad, "quoted"` + "\nsecond line")
			}
			return nil
		},
		FailAt: 1,
	}
	res, err := (&Runner{}).Run(t.Context(), Config{Endpoint: ep, Payloads: prompts(2), Clients: 2, Requests: 6})
	require.NoError(t, err)
	require.Positive(t, res.Stats.FailedRequests)
	res.Invocations[1].Conn = ConnPhases{Traced: true, Connect: 120 * time.Microsecond, FirstByte: 1500 * time.Microsecond}
	res.Invocations[2].Conn = ConnPhases{Traced: true, Reused: true, FirstByte: 900 * time.Microsecond}
	var b bytes.Buffer
	require.NoError(t, res.WriteCSV(&b))
	checkCSV(t, b.Bytes(), res.Invocations)
}

func TestWriteCSVStreamsALowMemoryRun(t *testing.T) {
	out := t.TempDir()
	ep := &fakeEndpoint{Chunks: []string{"a", " b"}}
	_, err := (&Runner{}).Run(t.Context(), Config{Endpoint: ep, Payloads: prompts(2), Clients: 2, Requests: 5,
		OutputPath: out, RunName: "lm", LowMemory: true})
	require.NoError(t, err)
	res, err := OpenResult(filepath.Join(out, "lm"))
	require.NoError(t, err)
	assert.Empty(t, res.Invocations, "the records stay on disk")
	var b bytes.Buffer
	require.NoError(t, res.WriteCSV(&b))
	loaded, err := LoadResult(filepath.Join(out, "lm"))
	require.NoError(t, err)
	var invs []Invocation
	for inv, err := range loaded.Responses() {
		require.NoError(t, err)
		invs = append(invs, inv)
	}
	require.Len(t, invs, 10)
	checkCSV(t, b.Bytes(), invs)
}

func TestWriteCSVStopsAtAnError(t *testing.T) {
	boom := errors.New("line 3: broken")
	seq := func(yield func(Invocation, error) bool) {
		if yield(Invocation{ID: "a"}, nil) {
			yield(Invocation{}, boom)
		}
	}
	var b bytes.Buffer
	err := WriteCSV(&b, seq)
	require.ErrorIs(t, err, boom)
	rows, rerr := csv.NewReader(&b).ReadAll()
	require.NoError(t, rerr)
	assert.Len(t, rows, 2, "the header and the row before the error")
}
