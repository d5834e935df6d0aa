// Command transaction-transfers is the sample Go backend of the
// transaction-stepup app's POST /transfers: a route on the pool's ordinary
// JWT authorizer whose backend checks the step-up itself with package
// stepuphttp (one invocation per call, RFC 9470's challenge answered in the
// backend). It answers {"ok":true,"sub":…,"route":…,"stepupAt":…} for the
// user of the token. It only wires configuration and the handler.
package main

import (
	"encoding/json"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/stepuphttp"
)

func main() {
	boot.LogRefs()
	g := boot.Must(stepuphttp.New(boot.Must(stepuphttp.ConfigFromEnv(os.Getenv))))
	g.Logger = boot.Logger
	mux := http.NewServeMux()
	mux.HandleFunc("POST /transfers", transfer)
	lambda.Start(g.Lambda(mux))
}

// transfer stands in for the real work: it acts for the token's user only
// (never for a user named in the path or body).
func transfer(w http.ResponseWriter, r *http.Request) {
	d, _ := stepuphttp.FromContext(r.Context()) // present: the guard ran
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "sub": d.Sub, "route": r.Method + " " + r.URL.Path, "stepupAt": d.StepUpAt})
}
