package archcheck

import (
	"slices"
	"strings"
	"testing"
)

// isProduct is what an importer builds: the constructs, the handlers and
// their mains, the sample apps and the CLIs. Test peers and test-support
// packages are not.
func isProduct(rel string) bool {
	return !isTestPackage(rel)
}

func TestInternalImportsNoHandler(t *testing.T) {
	m := packages(t)
	handlers := m.handlerPackages()
	if len(handlers) == 0 {
		t.Fatal("no handler package: no lambdas/cmd main imports a package of the module?")
	}
	for _, rel := range m.sorted() {
		if !under(rel, "lambdas/internal") {
			continue
		}
		p := m.pkgs[rel]
		var direct, indirect []string
		for _, d := range m.deps(p) {
			switch {
			case !handlers[d]:
			case slices.Contains(m.imports(p), d):
				direct = append(direct, d)
			default:
				indirect = append(indirect, d)
			}
		}
		if len(direct)+len(indirect) == 0 {
			continue
		}
		msg := rel + " imports the handler package(s) " + strings.Join(direct, ", ")
		if len(direct) == 0 {
			msg = rel + " imports, through other packages, the handler package(s) " + strings.Join(indirect, ", ")
		} else if len(indirect) > 0 {
			msg += " (and through them " + strings.Join(indirect, ", ") + ")"
		}
		t.Errorf("%s: lambdas/internal is shared by the handlers and depends on none of them; move what needs the handler beside it (as an adapter beside its port), or what the handler shares into lambdas/internal or lambdas/contract", msg)
	}
}

func TestProductImportsNoTestPackage(t *testing.T) {
	m := packages(t)
	for _, rel := range m.sorted() {
		if !isProduct(rel) {
			continue
		}
		p := m.pkgs[rel]
		var bad []string
		for _, d := range m.deps(p) {
			if isTestPackage(d) {
				bad = append(bad, d)
			}
		}
		if slices.Contains(p.Deps, "testing") {
			bad = append(bad, "testing (standard library)")
		}
		if len(bad) > 0 {
			t.Errorf("%s (product code, tests aside) depends on the test package(s) %s: an importer would build them; keep test helpers in _test.go files, under test/, or in a package named …test", rel, strings.Join(bad, ", "))
		}
	}
}

// The handler binaries are small Go programs; the CDK (jsii starts node)
// belongs to the construct side only.
func TestLambdasImportNoConstructs(t *testing.T) {
	m := packages(t)
	cdk := []string{"github.com/aws/aws-cdk-go/", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go/"}
	for _, rel := range m.sorted() {
		if !under(rel, "lambdas") {
			continue
		}
		p := m.pkgs[rel]
		var bad []string
		for _, d := range m.deps(p) {
			if under(d, "constructs") || under(d, "apps") {
				bad = append(bad, d)
			}
		}
		for _, d := range p.Deps {
			if slices.ContainsFunc(cdk, func(prefix string) bool { return strings.HasPrefix(d, prefix) }) {
				bad = append(bad, d)
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s depends on %s: the handler side never imports the constructs, the samples or the CDK (the shared names live in lambdas/contract)", rel, strings.Join(bad, ", "))
		}
	}
}

func TestContractIsALeaf(t *testing.T) {
	m := packages(t)
	p, ok := m.pkgs["lambdas/contract"]
	if !ok {
		t.Fatal("no package lambdas/contract")
	}
	if deps := m.deps(p); len(deps) > 0 {
		t.Errorf("lambdas/contract imports %s: it holds the names and rules both sides share and depends on no other package of the module", strings.Join(deps, ", "))
	}
}
