package proofing

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func TestValidate(t *testing.T) {
	base := func() *ProofingProps {
		return &ProofingProps{IDVBaseURL: jsii.String("https://acme.1kosmos.net/docuverify")}
	}
	if err := base().validate(); err != nil {
		t.Fatal(err)
	}
	for want, mutate := range map[string]func(*ProofingProps){
		"IDVBaseURL to be set":  func(p *ProofingProps) { p.IDVBaseURL = nil },
		"https URL":             func(p *ProofingProps) { p.IDVBaseURL = jsii.String("http://x") },
		"DocumentTypes[1]":      func(p *ProofingProps) { p.DocumentTypes = jsii.Strings("dl", "selfie") },
		"received \"dl\" twice": func(p *ProofingProps) { p.DocumentTypes = jsii.Strings("dl", "dl") },
		"at least one type":     func(p *ProofingProps) { p.DocumentTypes = &[]*string{} },
		"Liveness":              func(p *ProofingProps) { p.Liveness = jsii.String("none") },
		"ThrottleRateLimit":     func(p *ProofingProps) { p.ThrottleRateLimit = jsii.Number(0) },
	} {
		p := base()
		mutate(p)
		if err := p.validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
	var nilProps *ProofingProps
	if err := nilProps.validate(); err == nil {
		t.Error("nil props accepted")
	}
}
