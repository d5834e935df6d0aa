package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
)

// TestCreatedStagesThrottled reads every sample's golden template (which
// TestGoldenTemplates keeps equal to the synthesized one): every HTTP API
// stage is throttled, the log reference key secret has a resource policy
// denying everyone but the functions that log, and every NoEcho parameter
// refuses what would break the JSON secret it fills.
func TestCreatedStagesThrottled(t *testing.T) {
	for _, a := range stacks.Apps {
		t.Run(a.Name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", a.Name+".template.json"))
			if err != nil {
				t.Fatal(err)
			}
			var tmpl struct {
				Parameters map[string]map[string]interface{}
				Resources  map[string]struct {
					Type       string
					Properties map[string]interface{}
				}
			}
			if err := json.Unmarshal(raw, &tmpl); err != nil {
				t.Fatal(err)
			}
			keys, policies := map[string]bool{}, map[string]string{}
			for id, r := range tmpl.Resources {
				switch r.Type {
				case "AWS::ApiGatewayV2::Stage":
					s, _ := r.Properties["DefaultRouteSettings"].(map[string]interface{})
					if s["ThrottlingRateLimit"] == nil || s["ThrottlingBurstLimit"] == nil {
						t.Errorf("stage %s is not throttled: %v", id, r.Properties["DefaultRouteSettings"])
					}
				case "AWS::SecretsManager::Secret":
					if strings.HasPrefix(id, "CognitobridgeLogRefKey") { // constructs/internal/logkey.ID
						keys[id] = true
					}
				case "AWS::SecretsManager::ResourcePolicy":
					ref, _ := r.Properties["SecretId"].(map[string]interface{})
					doc, _ := json.Marshal(r.Properties["ResourcePolicy"])
					if s, ok := ref["Ref"].(string); ok {
						policies[s] = string(doc)
					}
				}
			}
			if len(keys) == 0 {
				t.Error("no log reference key (CognitobridgeLogRefKey…): every sample's handlers key their log references with one")
			}
			for id := range keys {
				doc := policies[id]
				if !strings.Contains(doc, `"Effect":"Deny"`) || !strings.Contains(doc, `"aws:PrincipalArn"`) {
					t.Errorf("log reference key %s: resource policy %q", id, doc)
				}
			}
			for id, p := range tmpl.Parameters {
				if p["NoEcho"] == true && p["AllowedPattern"] == nil {
					t.Errorf("NoEcho parameter %s has no AllowedPattern", id)
				}
			}
		})
	}
}
