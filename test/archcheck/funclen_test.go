package archcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// maxFuncLines is the longest a function may be, from `func` to its
// closing brace, without a reason: about what one reads without scrolling,
// and one concern's worth (issue 19).
const maxFuncLines = 80

// longBecause is the reason a longer function gives in its doc comment: a
// sentence that starts "Long because".
var longBecause = regexp.MustCompile(`(^|[.:;!?]\s+)Long because\s+\S`)

// longFunc is a function over maxFuncLines without a reason.
type longFunc struct {
	file  string // module-relative
	name  string // Func or Recv.Method
	lines int
}

func (f longFunc) String() string { return fmt.Sprintf("%s: %s is %d lines", f.file, f.name, f.lines) }

// longFuncs parses the non-test Go files of every package under
// constructs/ and lambdas/.
func longFuncs(t *testing.T, m module) []longFunc {
	t.Helper()
	var out []longFunc
	fset := token.NewFileSet()
	for _, rel := range m.sorted() {
		if !under(rel, "constructs") && !under(rel, "lambdas") {
			continue
		}
		p := m.pkgs[rel]
		for _, name := range slices.Concat(p.GoFiles, p.CgoFiles) {
			file := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(fset, file, nil, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
				if n <= maxFuncLines || (fd.Doc != nil && longBecause.MatchString(strings.Join(strings.Fields(fd.Doc.Text()), " "))) {
					continue
				}
				out = append(out, longFunc{file: rel + "/" + name, name: funcName(fd), lines: n})
			}
		}
	}
	return out
}

// funcName is "Name" or "Recv.Name" (type parameters and pointer dropped).
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

func TestFunctionLength(t *testing.T) {
	for _, f := range longFuncs(t, packages(t)) {
		t.Errorf("%s (at most %d from func to the closing brace): split it by concern, or say why in its doc comment with a sentence that starts \"Long because\"", f, maxFuncLines)
	}
}
