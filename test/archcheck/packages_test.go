package archcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
)

// repoRoot is the module root, relative to this package's directory.
const repoRoot = "../.."

// pkg is the part of `go list -json` the rules read.
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Imports    []string // the non-test files' imports
	Deps       []string // transitive, of the non-test files
	Module     *struct{ Path string }
}

// module is this repository's packages, by path relative to the module root
// ("lambdas/stepup"), with the module path they are relative to.
type module struct {
	path string
	pkgs map[string]*pkg
}

var (
	loadOnce   sync.Once
	loaded     module
	loadFailed error
)

// packages runs `go list -json ./...` once per test binary.
func packages(t *testing.T) module {
	t.Helper()
	loadOnce.Do(func() { loaded, loadFailed = goList() })
	if loadFailed != nil {
		t.Fatal(loadFailed)
	}
	return loaded
}

func goList() (module, error) {
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = repoRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return module{}, errors.New("go list -json ./...: " + err.Error() + "\n" + stderr.String())
	}
	m := module{pkgs: map[string]*pkg{}}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return module{}, err
		}
		if p.Module == nil {
			return module{}, errors.New("go list: package " + p.ImportPath + " has no module")
		}
		m.path = p.Module.Path
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, m.path), "/")
		m.pkgs[rel] = &p
	}
	if len(m.pkgs) == 0 {
		return module{}, errors.New("go list -json ./... listed no package")
	}
	return m, nil
}

// rel is the module-relative path of an import path, and whether it is in
// this module.
func (m module) rel(importPath string) (string, bool) {
	if importPath == m.path {
		return "", true
	}
	r, ok := strings.CutPrefix(importPath, m.path+"/")
	return r, ok
}

// imports is the module-relative paths of p's direct imports inside the
// module (tests aside), sorted.
func (m module) imports(p *pkg) []string {
	return m.inModule(p.Imports)
}

// deps is the module-relative paths of p's transitive imports inside the
// module (tests aside), sorted.
func (m module) deps(p *pkg) []string {
	return m.inModule(p.Deps)
}

func (m module) inModule(paths []string) []string {
	var out []string
	for _, ip := range paths {
		if r, ok := m.rel(ip); ok {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// sorted is the module-relative paths of every package, sorted.
func (m module) sorted() []string {
	var out []string
	for r := range m.pkgs {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// under reports whether rel is dir or a package below it.
func under(rel, dir string) bool {
	return rel == dir || strings.HasPrefix(rel, dir+"/")
}

// isTestPackage: the test peers under test/, and the test-support packages
// beside the product code, named like the standard library's httptest.
func isTestPackage(rel string) bool {
	return under(rel, "test") || strings.HasSuffix(path.Base(rel), "test")
}

// handlerPackages is what the Lambda mains wire: every package of the
// module a lambdas/cmd main imports, except the shared lambdas/internal
// and lambdas/contract.
func (m module) handlerPackages() map[string]bool {
	handlers := map[string]bool{}
	for rel, p := range m.pkgs {
		if !under(rel, "lambdas/cmd") {
			continue
		}
		for _, imp := range m.imports(p) {
			if !under(imp, "lambdas/internal") && imp != "lambdas/contract" {
				handlers[imp] = true
			}
		}
	}
	return handlers
}
