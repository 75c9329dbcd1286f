package html

import (
	"strconv"

	"github.com/llmtest/llmtest/reporters"
)

// costTable is a run's cost, as the page shows it: one row per priced
// dimension and a last row with the total (cost_total) and the
// distribution of a request's cost over every request dimension.
type costTable struct {
	Rows  []costRow
	Total costRow
	Note  string // how the per-request percentiles were computed
}

// costRow is one priced dimension: its price, what was billed, its
// total, and, for a request dimension, the p50, p90 and p99 of one
// request's cost ("–" for a run dimension or without priced requests).
type costRow struct {
	Name, Price, Billed, Total string
	P50, P90, P99, N           string
}

// costOf returns the cost table of c, nil for nil c.
func costOf(c *reporters.Cost) *costTable {
	if c == nil {
		return nil
	}
	t := &costTable{}
	exact := true
	for _, d := range c.Dimensions {
		r := costRow{Name: d.Name, Total: reporters.FormatCost(d.Total)}
		if d.Kind == reporters.CostPerRun {
			r.Price = plain(d.Price) + " per hour"
			r.Billed = seconds(d.Quantity)
		} else {
			r.Price = plain(d.Price) + " per million tokens"
			r.Billed = plain(d.Quantity) + " tokens"
		}
		r.P50, r.P90, r.P99, r.N = perRequest(d.PerRequest)
		if d.PerRequest != nil && d.PerRequest.N > 0 && !d.PerRequest.Exact {
			exact = false
		}
		t.Rows = append(t.Rows, r)
	}
	t.Total = costRow{Name: "total", Total: reporters.FormatCost(c.Total)}
	t.Total.P50, t.Total.P90, t.Total.P99, t.Total.N = perRequest(&c.PerRequest)
	if c.PerRequest.N > 0 && !c.PerRequest.Exact {
		exact = false
	}
	t.Note = "Costs are in the prices' unit. Per request: the cost of one successful request, over the priced requests; the percentiles are exact."
	if !exact {
		t.Note = "Costs are in the prices' unit. Per request: the cost of one successful request, over the priced requests; the percentiles are read from histograms."
	}
	return t
}

// perRequest renders the p50, p90 and p99 of a request's cost and the
// number of priced requests; "–" for each without one.
func perRequest(a *reporters.CostAggregate) (p50, p90, p99, n string) {
	if a == nil || a.N == 0 {
		return "–", "–", "–", "–"
	}
	return reporters.FormatCost(a.P50), reporters.FormatCost(a.P90), reporters.FormatCost(a.P99), count(a.N)
}

// plain renders v in the fewest digits that read back as v: "0.15",
// "66000".
func plain(v float64) string {
	if !finite(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
