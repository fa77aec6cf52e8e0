/// The report page's Mustache template. Only escaped tags (`{{…}}`) are used, so every value — paths,
/// messages, evidence, model replies — reaches the page as text. The Content-Security-Policy allows
/// inline styles and nothing else: no script, no fetch, no external image, font or frame.
enum HTMLTemplate {
    static let page = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{title}}</title>
<style>
{{> style}}
</style>
</head>
<body>
<main>
<h1>{{title}}</h1>
<div class="banner {{level}}">
  <div class="headline">{{headline}}</div>
  <div class="model">{{model}}</div>
</div>
{{#isVet}}
<table aria-label="verdict">
{{#answers}}
  <tr><td class="q">{{question}}</td><td><span class="pill {{level}}">{{level}}</span> {{answer}}</td></tr>
{{/answers}}
</table>
{{/isVet}}

<h2>{{#isVet}}1. {{/isVet}}Static scan</h2>
{{#scan}}
<p>{{summary}}</p>
<p class="counts">{{#counts}}<span><span class="pill {{level}}">{{name}}</span> {{count}}</span>{{/counts}}</p>
{{#hasFindings}}
<table aria-label="findings">
  <tr><th>Severity</th><th>Rule</th><th>Finding</th></tr>
  {{#findings}}
  <tr>
    <td><span class="pill {{level}}">{{severity}}</span></td>
    <td class="mono">{{rule}}<div class="muted">{{title}}</div></td>
    <td>{{message}}<div class="loc mono">{{location}}</div>{{#evidence}}<pre>{{.}}</pre>{{/evidence}}</td>
  </tr>
  {{/findings}}
</table>
{{/hasFindings}}
{{^hasFindings}}<p>No findings.</p>{{/hasFindings}}
<h3>Coverage</h3>
<p>{{artifacts}} artifact(s): {{scanned}} scanned, {{partial}} partial, {{unscanned}} unscanned.</p>
{{^empty(incomplete)}}
<table aria-label="coverage">
  <tr><th>Status</th><th>Artifact</th><th>Format</th><th>Reason</th></tr>
  {{#incomplete}}<tr><td>{{status}}</td><td class="loc mono">{{artifact}}</td><td>{{format}}</td><td>{{reason}}</td></tr>{{/incomplete}}
</table>
{{/empty(incomplete)}}
{{#errors}}<p class="absent">error: {{.}}</p>{{/errors}}
{{/scan}}

{{#provenance}}
<h2>{{#isVet}}2. {{/isVet}}Provenance</h2>
{{#hasManifest}}<p>{{files}}; root digest <code>{{root}}</code> (the digest a model signing signature covers).</p>{{/hasManifest}}
{{#signature}}
<h3>Signature</h3>
<p>{{#ok}}<span class="pill ok">verified</span>{{/ok}}{{^ok}}<span class="pill danger">failed</span>{{/ok}} <span class="mono">{{file}}</span>{{#signer}} — signed by {{.}}{{/signer}}</p>
{{^empty(detail)}}<ul>{{#detail}}<li>{{.}}</li>{{/detail}}</ul>{{/empty(detail)}}
{{/signature}}
<h3>Licence</h3>
{{#noLicence}}<p><span class="pill warning">none</span> No licence is declared or present: no rights to use or redistribute are granted.</p>{{/noLicence}}
{{#licences}}
<p><strong>{{name}}</strong>{{#spdx}} (<code>{{.}}</code>){{/spdx}} — {{category}}{{#open}}, open{{/open}}{{^open}}, not an open licence{{/open}} <span class="muted">from {{sources}}</span></p>
{{^empty(restrictions)}}<ul>{{#restrictions}}<li>{{.}}</li>{{/restrictions}}</ul>{{/empty(restrictions)}}
{{/licences}}
<h3>Openness (Model Openness Framework)</h3>
<p><strong>{{openness}}</strong></p>
{{^empty(gaps)}}<ul>{{#gaps}}<li>{{.}}</li>{{/gaps}}</ul>{{/empty(gaps)}}
<table aria-label="openness components">
  <tr><th>Component</th><th>Class</th><th>Present</th><th>Evidence</th></tr>
  {{#components}}<tr><td>{{name}}</td><td>{{mofClass}}</td><td>{{#present}}<span class="present">yes</span>{{/present}}{{^present}}<span class="absent">no</span>{{/present}}</td><td class="mono">{{evidence}}</td></tr>{{/components}}
</table>
{{^empty(notes)}}<h3>Notes</h3><ul>{{#notes}}<li>{{.}}</li>{{/notes}}</ul>{{/empty(notes)}}
{{/provenance}}

{{#isVet}}
<h2>3. Lineage</h2>
{{#lineage}}
<p>{{method}}: <strong>{{relation}}</strong> (confidence {{confidence}}), reference <span class="mono">{{reference}}</span>.
{{#abliteration}}<span class="pill danger">abliteration suspected</span>{{/abliteration}}</p>
{{^empty(reasons)}}<ul>{{#reasons}}<li>{{.}}</li>{{/reasons}}</ul>{{/empty(reasons)}}
{{#layers}}{{> chart}}{{/layers}}
{{#candidates}}{{> chart}}{{/candidates}}
{{/lineage}}
{{^lineage}}<p class="muted">Not checked (see below).</p>{{/lineage}}

<h2>4. Behaviour</h2>
{{#behaviour}}
<p>{{backend}}; suite {{suite}}; {{probes}} judged probes.</p>
{{#families}}{{> chart}}{{/families}}
{{#comparison}}{{> chart}}{{/comparison}}
{{^empty(notes)}}<ul>{{#notes}}<li>{{.}}</li>{{/notes}}</ul>{{/empty(notes)}}
{{^empty(examples)}}<h3>Worst examples</h3>{{/empty(examples)}}
{{#examples}}
<div class="example">
  <div><span class="pill info">{{verdict}}</span> {{family}} <span class="muted mono">{{probe}}</span></div>
  <pre>{{prompt}}</pre>
  <pre>{{response}}</pre>
</div>
{{/examples}}
{{/behaviour}}
{{^behaviour}}<p class="muted">Not measured (see below).</p>{{/behaviour}}

{{^empty(notChecked)}}
<h2>Not checked</h2>
<ul>{{#notChecked}}<li><strong>{{what}}</strong>: {{why}}</li>{{/notChecked}}</ul>
{{/empty(notChecked)}}
{{/isVet}}

<footer>
  <div>{{tool}}</div>
  <div>Command: <code>{{command}}</code></div>
</footer>
</main>
</body>
</html>
"""#

    /// The stylesheet, a partial of the report page and of the service's web UI pages, so both look alike.
    static let style = #"""
:root { --ok: #1a7f37; --info: #57606a; --warning: #9a6700; --danger: #cf222e; --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: #1f2328; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 20px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 18px; margin: 36px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 8px; }
.banner { border-radius: 10px; padding: 18px 22px; margin: 14px 0 22px; color: #fff; }
.banner.ok { background: var(--ok); } .banner.info { background: #424a53; } .banner.warning { background: #bf8700; } .banner.danger { background: var(--danger); }
.banner .headline { font-size: 22px; font-weight: 650; }
.banner .model { opacity: .9; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; }
td.q { width: 170px; font-weight: 600; }
.pill { display: inline-block; min-width: 74px; text-align: center; border-radius: 999px; padding: 1px 8px; font-size: 12px; font-weight: 650; color: #fff; }
.pill.ok { background: var(--ok); } .pill.info { background: var(--info); } .pill.warning { background: var(--warning); } .pill.danger { background: var(--danger); }
.counts span { margin-right: 14px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; margin: 6px 0 0; white-space: pre-wrap; word-break: break-word; max-height: 320px; overflow: auto; }
.loc { color: var(--info); word-break: break-all; }
.muted { color: var(--info); }
ul { margin: 6px 0; padding-left: 22px; }
.present { color: var(--ok); font-weight: 600; } .absent { color: var(--danger); font-weight: 600; }
svg text { font: 12.5px system-ui, sans-serif; fill: #1f2328; }
svg .ok { fill: var(--ok); } svg .info { fill: #6e7781; } svg .warning { fill: #bf8700; } svg .danger { fill: var(--danger); }
svg .track { fill: var(--soft); stroke: var(--line); }
svg .ci { stroke: #1f2328; stroke-width: 1.5; }
.chart { overflow-x: auto; margin: 4px 0 14px; }
.example { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; margin: 10px 0; }
footer { margin-top: 44px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--info); font-size: 13px; }
footer code { word-break: break-all; }
"""#

    /// A bar chart (rows laid out by `HTMLReportWriter.chart`), drawn as inline SVG.
    static let chart = #"""
<h3>{{title}}</h3>
<div class="chart">
<svg xmlns="http://www.w3.org/2000/svg" width="{{width}}" height="{{height}}" role="img" aria-label="{{title}}">
{{#rows}}
  <g><title>{{label}}: {{text}}</title>
  <text x="0" y="{{textY}}">{{shortLabel}}</text>
  <rect class="track" x="{{barX}}" y="{{y}}" width="320" height="16" rx="3"/>
  <rect class="{{level}}" x="{{barX}}" y="{{y}}" width="{{barWidth}}" height="16" rx="3"/>
  {{#hasInterval}}<line class="ci" x1="{{lowX}}" x2="{{highX}}" y1="{{midY}}" y2="{{midY}}"/><line class="ci" x1="{{lowX}}" x2="{{lowX}}" y1="{{capTop}}" y2="{{capBottom}}"/><line class="ci" x1="{{highX}}" x2="{{highX}}" y1="{{capTop}}" y2="{{capBottom}}"/>{{/hasInterval}}
  <text x="{{textX}}" y="{{textY}}">{{shortText}}</text>
  </g>
{{/rows}}
</svg>
</div>
"""#
}
