package cdktest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// Resource is one resource of a synthesized template.
type Resource struct {
	Type       string
	DependsOn  interface{}
	Properties map[string]interface{}
}

// AllResources returns every resource of the template, by logical id.
func AllResources(t *testing.T, tmpl assertions.Template) map[string]Resource {
	t.Helper()
	raw, _ := json.Marshal(tmpl.ToJSON())
	var doc struct{ Resources map[string]Resource }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Resources
}

// Show renders a template value for a message: its JSON.
func Show(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// CheckError fails the test unless err contains want, or, for want "",
// unless err is nil: the check of a row of a props validation table.
func CheckError(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q, want it to contain %q", err, want)
	}
}
