package oidcpeer

import (
	"encoding/json"
	"html/template"
	"net/http"
)

// postStepUpPage posts the redirect's result to the framing page. The data
// is JSON-encoded into the script by html/template (JS context escaping),
// and the target origin is the configured one, never "*".
var postStepUpPage = template.Must(template.New("post").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Step-up complete</title></head>
<body><p id="status">Verified. Returning to the application…</p>
<script>
(function () {
  var msg = JSON.parse({{.Message}});
  if (window.parent && window.parent !== window) {
    window.parent.postMessage(msg, {{.Origin}});
  }
})();
</script></body></html>`))

// servePostStepUp is the tenant's landing page for the iframe step-up: the
// provider redirected here with code and state (or error) after the user
// authenticated, and the page hands them to its parent.
func (p *Peer) servePostStepUp(w http.ResponseWriter, r *http.Request) {
	p.count("post_stepup")
	q := r.URL.Query()
	msg := map[string]string{}
	if e := q.Get("error"); e != "" {
		msg["error"] = e
	} else {
		msg["code"], msg["state"] = q.Get("code"), q.Get("state")
	}
	b, err := json.Marshal(msg)
	if err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = postStepUpPage.Execute(w, struct{ Message, Origin string }{string(b), p.opts.ParentOrigin})
}
