import Mustache
import VetReports

/// The web UI's Mustache templates. Only escaped tags (`{{…}}`) carry values, escaped by Unicode scalar
/// (`HTMLEscaping`), so names, summaries and errors from submitters reach the page as text. The
/// stylesheet is the HTML report's (`style`).
enum UITemplates {
    static let library: MustacheLibrary = {
        HTMLEscaping.register()
        var library = MustacheLibrary()
        do {
            // Every template escapes by Unicode scalar (HTMLEscaping), partials included.
            for (name, text) in [("style", HTMLReportWriter.stylesheet), ("header", header), ("footer", footer), ("login", login),
                                 ("scans", scans), ("scan", scan), ("tokens", tokens)] {
                try library.register(HTMLEscaping.pragma + text, named: name)
            }
        } catch {
            // The templates are constants of this file; a test renders every page, so this cannot ship broken.
            preconditionFailure("a web UI template does not parse: \(error)")
        }
        return library
    }()

    static let header = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
{{#pending}}<meta http-equiv="refresh" content="3">{{/pending}}
<title>ModelVet service</title>
<link rel="icon" href="data:,">
<style>
{{> style}}
nav { display: flex; gap: 18px; align-items: center; border-bottom: 1px solid var(--line); padding: 10px 28px; background: var(--soft); }
nav .brand { font-weight: 700; }
nav form { margin-left: auto; }
form.inline { display: inline; }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 12px 0; }
input[type=text], input[type=password], select { font: inherit; padding: 4px 8px; min-width: 340px; }
button { font: inherit; padding: 4px 14px; }
.error { color: var(--danger); font-weight: 600; }
.secret { font-size: 15px; padding: 10px; border: 2px solid var(--warning); border-radius: 6px; word-break: break-all; }
.filters a { margin-right: 10px; } .filters a.current { font-weight: 700; text-decoration: none; color: #1f2328; }
</style>
<script src="/ui/app.js" defer></script>
</head>
<body>
<nav><span class="brand">ModelVet service</span><a href="/ui/scans">Scans</a>{{#isAdmin}}<a href="/ui/tokens">Tokens</a>{{/isAdmin}}
<form method="post" action="/ui/logout"><button type="submit">Sign out</button></form></nav>
<main>
"""#

    static let footer = #"""
<footer>ModelVet vets model files statically: nothing uploaded is loaded, unpickled or run. API: <code>/api/v1</code>, described at <a href="/api/openapi.json">/api/openapi.json</a>.</footer>
</main>
</body>
</html>
"""#

    static let login = #"""
{{> header}}
<h1>Sign in</h1>
{{#message}}<p class="error" role="alert">{{message}}</p>{{/message}}
<form method="post" action="/ui/login">
<p><label>API token <input type="password" name="token" autocomplete="off" required></label> <button type="submit">Sign in</button></p>
<p class="muted">An administrator creates tokens with <code>modelvet token create --role submitter</code>. The token is kept in a cookie for this site only.</p>
</form>
{{> footer}}
"""#

    static let scans = #"""
{{> header}}
<h1>Scans</h1>
<p class="muted">Signed in as a {{role}}.</p>
<fieldset><legend>Vet a model file</legend>
<form id="upload" method="post" action="/ui/scans">
<input type="file" id="upload-file" name="file" required> <label><input type="checkbox" id="upload-probe"> run behaviour probes</label>
<button type="submit">Upload and vet</button> <span id="upload-status" class="muted" role="status"></span>
</form>
<p class="muted">One file, or a .tar or .zip of a model folder. It is stored by its SHA-256 and scanned, never loaded.</p>
</fieldset>
{{#allowsPaths}}
<fieldset><legend>Vet a folder on the server</legend>
<form method="post" action="/ui/scans/path">
<input type="text" name="path" placeholder="/models/my-model" required> <label><input type="checkbox" name="probe"> run behaviour probes</label>
<button type="submit">Vet</button>
</form>
<p class="muted">Under: <code>{{roots}}</code></p>
</fieldset>
{{/allowsPaths}}
<p class="filters">{{#statuses}}<a href="{{href}}"{{#current}} class="current"{{/current}}>{{name}}</a>{{/statuses}}</p>
<table aria-label="scans">
<tr><th>Verdict</th><th>Model</th><th>Status</th><th>Summary</th><th>Submitted</th></tr>
{{#scans}}
<tr><td><span class="pill {{level}}">{{verdict}}</span></td><td><a href="/ui/scans/{{id}}">{{name}}</a></td><td>{{status}}</td><td>{{summary}}</td><td class="mono">{{created}}</td></tr>
{{/scans}}
{{^scans}}<tr><td colspan="5" class="muted">No scans yet.</td></tr>{{/scans}}
</table>
{{#next}}<p><a href="{{next}}">Older scans</a></p>{{/next}}
{{> footer}}
"""#

    static let scan = #"""
{{> header}}
{{#scan}}
<h1>{{name}}</h1>
<div class="banner {{level}}"><div class="headline">{{verdict}}</div><div class="model">{{summary}}</div></div>
<table aria-label="scan">
<tr><td class="q">Status</td><td>{{status}}</td></tr>
<tr><td class="q">Submitted</td><td class="mono">{{created}}</td></tr>
<tr><td class="q">Scan id</td><td class="mono">{{id}}</td></tr>
{{/scan}}
<tr><td class="q">Attempts</td><td>{{attempts}}</td></tr>
{{#error}}<tr><td class="q">Error</td><td class="error">{{error}}</td></tr>{{/error}}
</table>
{{#pending}}<p class="muted">This page refreshes until the scan is done.</p>{{/pending}}
{{#done}}{{#scan}}<p><a href="/ui/scans/{{id}}/report?format=html">Full report</a> · <a href="/ui/scans/{{id}}/report?format=json">JSON</a> · <a href="/ui/scans/{{id}}/report?format=sarif">SARIF</a></p>{{/scan}}{{/done}}
{{#isAdmin}}{{#scan}}<form method="post" action="/ui/scans/{{id}}/delete"><button type="submit">Delete this scan</button></form>{{/scan}}{{/isAdmin}}
{{> footer}}
"""#

    static let tokens = #"""
{{> header}}
<h1>API tokens</h1>
{{#secret}}<p>New {{role}} token — copy it now, it is not shown again:</p><p class="secret mono" id="new-secret">{{secret}}</p>{{/secret}}
<form method="post" action="/ui/tokens">
<label>Role <select name="role"><option>submitter</option><option>reviewer</option><option>admin</option></select></label>
<button type="submit">Create token</button>
</form>
<table aria-label="tokens">
<tr><th>Id</th><th>Role</th><th>Created</th><th>Revoked</th><th></th></tr>
{{#tokens}}
<tr><td class="mono">{{id}}</td><td>{{role}}</td><td class="mono">{{created}}</td><td class="mono">{{revoked}}</td>
<td>{{^revoked}}<form class="inline" method="post" action="/ui/tokens/{{id}}/revoke"><button type="submit">Revoke</button></form>{{/revoked}}</td></tr>
{{/tokens}}
</table>
{{> footer}}
"""#

    /// The UI's only script: sends the chosen file as the upload body (the API's own format), then opens the scan.
    static let script = #"""
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = document.getElementById("upload-file").files[0];
    const status = document.getElementById("upload-status");
    if (!file) return;
    status.textContent = "Uploading " + file.name + "…";
    const probe = document.getElementById("upload-probe").checked ? "?probe=true" : "";
    try {
      const response = await fetch("/ui/scans" + probe, {
        method: "POST", body: file, credentials: "same-origin",
        headers: { "Content-Type": "application/octet-stream", "X-Filename": encodeURIComponent(file.name), "X-ModelVet-UI": "1" },
      });
      const answer = await response.json();
      if (!response.ok) { status.textContent = "Refused: " + (answer.error || response.status); return; }
      window.location.assign("/ui/scans/" + encodeURIComponent(answer.id));
    } catch (error) {
      status.textContent = "Upload failed: " + error;
    }
  });
});
"""#
}
