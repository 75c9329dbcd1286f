package reporters

import "fmt"

// Turn holds the figures of one turn number across the conversations of a
// run (llmtest's Config.Turns): how latency grows as the context does.
// Like the run's, its figures leave out the warm-up.
type Turn struct {
	// Turn is the 1-based turn number.
	Turn int `json:"turn"`
	// Requests counts this turn's requests sent: successful, failed or
	// cancelled. Failed counts those that ended with an error.
	Requests int `json:"requests"`
	Failed   int `json:"failed"`
	// Metrics holds, over this turn's successful requests, the metrics in
	// TurnMetrics, in that order. Their percentiles come from their
	// histograms (Exact is false), within the run's RelativeError.
	Metrics []Metric `json:"metrics"`
}

// TurnMetrics are the metrics a [Turn] holds: the input tokens (the
// context, which grows turn by turn), the time to first token and the time
// to last token.
var TurnMetrics = []string{"num_tokens_input", "time_to_first_token", "time_to_last_token"}

// Metric returns the turn's metric of that name, or nil when it has none.
func (t *Turn) Metric(name string) *Metric {
	for i := range t.Metrics {
		if t.Metrics[i].Name == name {
			return &t.Metrics[i]
		}
	}
	return nil
}

// mergeTurns merges the runs' turns by turn number.
func mergeTurns(runs []*Run) ([]Turn, error) {
	var n int
	for _, r := range runs {
		n = max(n, len(r.Turns))
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]Turn, n)
	lists := make([][][]Metric, n)
	names := make([][]string, n) // names[i][j] is the run of lists[i][j]
	for _, r := range runs {
		for i, t := range r.Turns {
			if t.Turn != i+1 {
				return nil, fmt.Errorf("reporters: merge: run %q: turns[%d] is turn %d, want %d", r.Name, i, t.Turn, i+1)
			}
			out[i].Requests += t.Requests
			out[i].Failed += t.Failed
			lists[i] = append(lists[i], t.Metrics)
			names[i] = append(names[i], r.Name)
		}
	}
	for i := range out {
		out[i].Turn = i + 1
		ms, err := mergeMetricLists(lists[i], func(j int) string { return names[i][j] })
		if err != nil {
			return nil, fmt.Errorf("turn %d: %w", i+1, err)
		}
		out[i].Metrics = ms
	}
	return out, nil
}
