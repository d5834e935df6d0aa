package archcheck

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated import graph of docs/architecture.md")

// The generated part of docs/architecture.md lies between these lines.
const (
	graphBegin = "<!-- begin generated: go test ./test/archcheck -update -->"
	graphEnd   = "<!-- end generated -->"
)

// room is one part of the house, in the order the graph lists them.
type room struct{ id, label string }

var rooms = []room{
	{"apps", "apps/: sample stacks and their mains"},
	{"cmd", "cmd/: CLIs"},
	{"constructs", "constructs/*"},
	{"constructsinternal", "constructs/internal/*"},
	{"mains", "lambdas/cmd/*: handler mains"},
	{"handlers", "handler packages"},
	{"lambdaslib", "other lambdas/* packages"},
	{"lambdasinternal", "lambdas/internal/*"},
	{"contract", "lambdas/contract"},
	{"testsupport", "test-support packages named …test"},
	{"test", "test/*: test peers"},
}

// roomOf places a module package in its room. Handler packages are what the
// mains import (see handlerPackages); the rest is by directory.
func roomOf(rel string, handlers map[string]bool) string {
	switch {
	case under(rel, "test"):
		return "test"
	case isTestPackage(rel):
		return "testsupport"
	case rel == "lambdas/contract":
		return "contract"
	case under(rel, "lambdas/internal"):
		return "lambdasinternal"
	case under(rel, "lambdas/cmd"):
		return "mains"
	case handlers[rel]:
		return "handlers"
	case under(rel, "lambdas"):
		return "lambdaslib"
	case under(rel, "constructs/internal"):
		return "constructsinternal"
	case under(rel, "constructs"):
		return "constructs"
	case under(rel, "apps"):
		return "apps"
	case under(rel, "cmd"):
		return "cmd"
	}
	return ""
}

// graph renders the rooms and who imports whom (non-test files only): a
// mermaid flowchart between rooms, then, for every package outside test/,
// the packages of other rooms it imports (the contract aside: nearly
// everything imports it, and the chart counts those arrows).
func graph(m module) string {
	handlers := m.handlerPackages()
	var b strings.Builder
	b.WriteString("```mermaid\nflowchart TD\n")
	members := map[string][]string{}
	for _, rel := range m.sorted() {
		r := roomOf(rel, handlers)
		members[r] = append(members[r], rel)
	}
	for _, r := range rooms {
		fmt.Fprintf(&b, "  %s[\"%s<br>%s\"]\n", r.id, r.label, count(len(members[r.id])))
	}
	edges := map[[2]string]int{}
	for _, rel := range m.sorted() {
		from := roomOf(rel, handlers)
		for _, imp := range m.imports(m.pkgs[rel]) {
			if to := roomOf(imp, handlers); to != from {
				edges[[2]string{from, to}]++
			}
		}
	}
	order := func(id string) int { return slices.IndexFunc(rooms, func(r room) bool { return r.id == id }) }
	keys := make([][2]string, 0, len(edges))
	for k := range edges {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := order(a[0]) - order(b[0]); c != 0 {
			return c
		}
		return order(a[1]) - order(b[1])
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s -->|%d| %s\n", k[0], edges[k], k[1])
	}
	b.WriteString("```\n\n")
	b.WriteString("An arrow's number counts the imports (tests aside) from a package of one room to a package of\n")
	b.WriteString("the other. Each package outside test/ that imports from another room, lambdas/contract aside:\n\n")
	b.WriteString("| package | imports from other rooms |\n|---|---|\n")
	for _, r := range rooms {
		if r.id == "test" {
			continue
		}
		for _, rel := range members[r.id] {
			var other []string
			for _, imp := range m.imports(m.pkgs[rel]) {
				if roomOf(imp, handlers) != r.id && imp != "lambdas/contract" {
					other = append(other, imp)
				}
			}
			if len(other) > 0 {
				fmt.Fprintf(&b, "| %s | %s |\n", rel, strings.Join(other, ", "))
			}
		}
	}
	return b.String()
}

func TestArchitectureGraph(t *testing.T) {
	m := packages(t)
	for _, rel := range m.sorted() {
		if roomOf(rel, nil) == "" {
			t.Errorf("package %s is in no room: add its directory to roomOf (graph_test.go) and to docs/architecture.md", rel)
		}
	}
	doc := filepath.Join(repoRoot, "docs", "architecture.md")
	raw, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	before, rest, ok := strings.Cut(text, graphBegin+"\n")
	_, after, ok2 := strings.Cut(rest, graphEnd)
	if !ok || !ok2 {
		t.Fatalf("docs/architecture.md: expected the lines %q and %q around the generated graph", graphBegin, graphEnd)
	}
	fresh := before + graphBegin + "\n" + graph(m) + graphEnd + after
	if fresh == text {
		return
	}
	if *update {
		if err := os.WriteFile(doc, []byte(fresh), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote the import graph of docs/architecture.md")
		return
	}
	t.Errorf("docs/architecture.md: the import graph differs from the code; run `go test ./test/archcheck -update`\n--- generated\n%s", graph(m))
}

func count(n int) string {
	if n == 1 {
		return "1 package"
	}
	return fmt.Sprintf("%d packages", n)
}
