package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSessionValidityOutputIsThePageClients: a sample's AuthSessionValidity
// output (what a deployed page's wait is derived from, apps/webconfig) is
// the AuthSessionValidity of the client the page signs in with
// (UserPoolClientId, or WebClientId on the shared pool).
func TestSessionValidityOutputIsThePageClients(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.template.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden templates: %v", err)
	}
	checked := 0
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Resources map[string]struct {
				Properties map[string]any
			}
			Outputs map[string]struct{ Value any }
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		out, ok := doc.Outputs["AuthSessionValidity"]
		if !ok {
			continue
		}
		client := doc.Outputs["UserPoolClientId"]
		if _, ok := doc.Outputs["WebClientId"]; ok {
			client = doc.Outputs["WebClientId"]
		}
		ref, _ := client.Value.(map[string]any)["Ref"].(string)
		got, _ := doc.Resources[ref].Properties["AuthSessionValidity"].(float64)
		want, _ := strconv.Atoi(out.Value.(string))
		if ref == "" || int(got) != want {
			t.Errorf("%s: output AuthSessionValidity %v, the page client %q has %v", path, out.Value, ref, got)
		}
		checked++
	}
	if checked < 4 {
		t.Errorf("%d samples have the output, want the four step-up samples", checked)
	}
}
