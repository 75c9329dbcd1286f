package html

import "html/template"

// pageTemplate renders a page. The page is self-contained: its style is
// inline CSS, its charts inline SVG, it has no script and no reference to
// another file or to a network (the SVG charts name their typeface,
// Liberation Sans, and fall back to the browser's sans-serif; nothing is
// fetched).
var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"svg": func(s string) template.HTML { return template.HTML(s) }, // drawn by gonum's vgsvg, which escapes its text
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root { --fail: ` + failureHex + `; --pass: #2e7d32; --ink: #212121; --muted: #616161; --rule: #e0e0e0; }
body { font: 14px/1.45 "Liberation Sans", Arial, Helvetica, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 1em 2em 3em; }
h1 { font-size: 1.6em; margin: .4em 0; }
h2 { font-size: 1.25em; border-bottom: 1px solid var(--rule); padding-bottom: .2em; margin-top: 1.8em; }
h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { padding: .25em .7em; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mark { display: inline-block; padding: .05em .5em; border-radius: .25em; color: #fff; font-size: .8em; vertical-align: middle; }
.fail { color: var(--fail); font-weight: bold; }
.pass { color: var(--pass); }
.mark.pass { background: var(--pass); color: #fff; }
.mark.fail { background: var(--fail); color: #fff; }
tr.knee td { background: #fff3e0; font-weight: bold; }
.muted { color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
figure.chart { margin: 0; flex: 1 1 520px; max-width: 600px; }
figure.chart svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .9em; }
table.heatmap td { text-align: right; min-width: 5em; }
table.heatmap td.empty { background: #f5f5f5; color: var(--muted); text-align: center; }
table.heatmap td.failed { outline: 2px solid var(--fail); outline-offset: -2px; }
table.heatmap small.fail { display: block; font-size: .8em; }
</style>
</head>
<body>
<header>
<h1><span class="mark {{if .Pass}}pass{{else}}fail{{end}}">{{if .Pass}}PASS{{else}}FAIL{{end}}</span> {{.Kind}} {{.Name}}</h1>
{{range .Notes}}<p{{if .Fail}} class="fail"{{end}}>{{.Text}}</p>
{{end}}</header>
{{- if .Summary}}
<section id="summary">
<h2>Summary</h2>
<table class="summary">
{{range .Summary}}<tr{{if .Fail}} class="fail"{{end}}><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
</section>
{{- end}}
{{- if .Sweep}}
<section id="levels">
<h2>Levels</h2>
<table class="levels">
<tr><th class="num">{{.Sweep.Kind}}</th><th class="num">requests</th><th class="num">requests/s</th><th class="num">output tokens/s</th><th class="num">ttft p50</th><th class="num">ttft p99</th><th class="num">ttlt p50</th><th class="num">ttlt p99</th><th class="num">errors</th>{{if .Sweep.Dropped}}<th class="num">dropped</th>{{end}}{{if .Sweep.Goodput}}<th class="num">good share</th><th class="num">goodput (requests/s)</th>{{end}}</tr>
{{range .Sweep.Rows}}<tr{{if .Knee}} class="knee"{{end}}><td class="num">{{.Level}}{{if .Knee}} ◀ knee{{end}}{{if .Interrupted}} <span class="fail">(interrupted)</span>{{end}}</td><td class="num">{{.Requests}}</td><td class="num">{{.Rate}}</td><td class="num">{{.Throughput}}</td><td class="num">{{.TTFTP50}}</td><td class="num">{{.TTFTP99}}</td><td class="num">{{.TTLTP50}}</td><td class="num">{{.TTLTP99}}</td><td class="num{{if .Failed}} fail{{end}}">{{.Errors}}</td>{{if $.Sweep.Dropped}}<td class="num">{{.Dropped}}</td>{{end}}{{if $.Sweep.Goodput}}<td class="num">{{.GoodShare}}</td><td class="num">{{.Goodput}}</td>{{end}}</tr>
{{end}}</table>
<p>{{.Sweep.Saturation}}</p>
</section>
{{- end}}
{{- if ne .Kind "Heatmap"}}
<section id="checks">
<h2>SLO checks</h2>
{{if .Checks}}<table class="checks">
<tr><th>result</th><th>check</th><th>observed</th></tr>
{{range .Checks}}<tr class="{{if .Pass}}pass{{else}}fail{{end}}"><td>{{if .Pass}}✔ pass{{else}}✘ FAIL{{end}}</td><td><code>{{.Expression}}</code></td><td>{{.Line}}</td></tr>
{{end}}</table>
{{else}}<p class="muted">No check was evaluated.</p>
{{end}}</section>
{{- end}}
{{- if .Curves}}
<section id="curves">
<h2>Sweep curves</h2>
<div class="charts">
{{range .Curves}}<figure class="chart" data-chart="{{.ID}}">{{svg .SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</div>
</section>
{{- end}}
{{- if eq .Kind "Run"}}
<section id="generator">
<h2>Load generator</h2>
{{with .Generator}}<p class="{{if .Healthy}}pass{{else}}fail{{end}}">{{if .Healthy}}Healthy: the generator kept up with the load.{{else}}Saturated: the generator did not keep up, and the figures may be distorted.{{end}}</p>
{{if .Reasons}}<ul>{{range .Reasons}}<li class="fail">{{.}}</li>{{end}}</ul>{{end}}
<table class="generator">
{{range .Rows}}<tr{{if .Fail}} class="fail"{{end}}><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
{{else}}<p class="muted">The run has no self-check of its load generator.</p>
{{end}}</section>
{{- with .Cost}}
<section id="cost">
<h2>Cost</h2>
<table class="cost">
<tr><th>dimension</th><th class="num">price</th><th class="num">billed</th><th class="num">total</th><th class="num">per request p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">requests</th></tr>
{{range .Rows}}<tr data-dimension="{{.Name}}"><td>{{.Name}}</td><td class="num">{{.Price}}</td><td class="num">{{.Billed}}</td><td class="num">{{.Total}}</td><td class="num">{{.P50}}</td><td class="num">{{.P90}}</td><td class="num">{{.P99}}</td><td class="num">{{.N}}</td></tr>
{{end}}{{with .Total}}<tr class="total" data-dimension="total"><th>total (cost_total)</th><td></td><td></td><th class="num">{{.Total}}</th><th class="num">{{.P50}}</th><th class="num">{{.P90}}</th><th class="num">{{.P99}}</th><th class="num">{{.N}}</th></tr>
{{end}}</table>
<p class="muted">{{.Note}}</p>
</section>
{{- end}}
<section id="metrics">
<h2>Metrics</h2>
<table class="metrics">
<tr><th>metric</th><th class="num">n</th><th class="num">average</th><th class="num">min</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th><th>unit</th></tr>
{{range .Metrics}}<tr><td>{{.Name}}</td><td class="num">{{.N}}</td><td class="num">{{.Average}}</td><td class="num">{{.Min}}</td><td class="num">{{.P50}}</td><td class="num">{{.P90}}</td><td class="num">{{.P99}}</td><td class="num">{{.P999}}</td><td class="num">{{.Max}}</td><td>{{.Unit}}</td></tr>
{{end}}</table>
<p class="muted">{{.Exactness}} Failed requests are left out of the latency figures.</p>
</section>
{{- with .Phases}}
<section id="phases">
<h2>Client-side phases</h2>
<p class="connections">{{.Line}}</p>
{{if .Rows}}<table class="phases">
<tr><th>phase</th><th class="num">n</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">max</th></tr>
{{range .Rows}}<tr data-metric="{{.Metric}}"><td>{{.Label}}</td><td class="num">{{.N}}</td><td class="num">{{.P50}}</td><td class="num">{{.P90}}</td><td class="num">{{.P99}}</td><td class="num">{{.M}}</td></tr>
{{end}}</table>
<p class="muted">Both are measured from the send. The time to first byte ends at the response's first byte (its status line), the time to first token at its first token's event: a TTFT far above the TTFB is spent after the server answered, a TTFB near the TTFT before. The TCP connect is over the new connections only.</p>
{{end}}{{if .Charts}}<div class="charts">
{{range .Charts}}<figure class="chart" data-chart="{{.ID}}">{{svg .SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</div>
{{end}}</section>
{{- end}}
{{- with .Server}}
<section id="server-metrics">
<h2>Server metrics</h2>
<p class="muted">{{.Source}}</p>
{{if .Rows}}<table class="server-metrics">
<tr><th>figure</th><th class="num">server</th><th class="num">client</th><th>server metric</th></tr>
{{range .Rows}}<tr><td>{{.Figure}}</td><td class="num">{{.Server}}</td><td class="num">{{.Client}}</td><td><code>{{.Metric}}</code></td></tr>
{{end}}</table>
{{else}}<p class="muted">The server reported none of the figures llmtest compares.</p>
{{end}}{{range .Warnings}}<p class="fail warning">⚠ {{.}}</p>
{{end}}</section>
{{- end}}
<section id="distributions">
<h2>Latency distributions</h2>
{{if .Dists}}<div class="charts">
{{range .Dists}}<figure class="chart" data-chart="{{.ID}}">{{svg .SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</div>
{{else}}<p class="muted">No successful request had a latency to draw.</p>
{{end}}</section>
<section id="over-time">
<h2>Over time</h2>
{{if .OverTime}}<div class="charts">
{{range .OverTime}}<figure class="chart" data-chart="{{.ID}}">{{svg .SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</div>
{{else}}<p class="muted">The run has no time series.</p>
{{end}}</section>
<section id="errors">
<h2>Errors</h2>
{{if .Errors}}<table class="errors">
<tr><th class="num">requests</th><th>error</th></tr>
{{range .Errors}}<tr class="fail"><td class="num">{{.Count}}</td><td>{{if .Message}}{{.Message}}{{else}}(other messages){{end}}</td></tr>
{{end}}</table>
{{else}}<p class="pass">No request failed.</p>
{{end}}</section>
{{- end}}
{{- if .Heatmap}}
<section id="heatmap">
<h2>Latency heatmap</h2>
<p class="muted">Rows: prompt length in tokens; columns: output limit in tokens. Each cell shows the p50 of its successful requests, coloured from the fastest cell (light) to the slowest (dark).</p>
{{range .Heatmap}}<h3>{{.Title}}</h3>
<table class="heatmap" data-heatmap="{{.ID}}">
<tr><th>input \ output (tokens)</th>{{range .Outputs}}<th class="num">{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><th class="num">{{.Input}}</th>{{range .Cells}}<td class="{{if .Empty}}empty{{end}}{{if .Failed}} failed{{end}}" title="{{.Title}}"{{if not .Empty}} style="background: {{.Background}}; color: {{.Foreground}}"{{end}}>{{.Text}}{{if .Failed}}<small class="fail">{{.Failed}}</small>{{end}}</td>{{end}}</tr>
{{end}}</table>
<p class="muted">Scale: {{.Low}} (lightest) to {{.High}} (darkest).</p>
{{end}}</section>
{{- end}}
<footer><p class="muted">Written by llmtest. The page is self-contained: it fetches nothing and runs no script.</p></footer>
</body>
</html>
`))
