// Package archcheck holds fast tests (a few seconds, `go test -short`
// included) that keep the repository's rooms apart, and that write the
// import graph of docs/architecture.md from the code:
//
//   - no function in constructs/ or lambdas/ (tests aside) is longer than
//     80 lines unless its doc comment says why, in a sentence that starts
//     "Long because";
//   - no package under lambdas/internal imports a handler package (one that
//     a lambdas/cmd main imports, other than lambdas/internal/* and
//     lambdas/contract);
//   - no product package (constructs/, lambdas/, apps/, cmd/) imports a test
//     package: anything under test/, a package whose name ends in "test"
//     (cdktest, mototest), or the standard library's testing;
//   - nothing under lambdas/ imports constructs/, apps/ or the CDK, so a
//     handler binary never carries jsii;
//   - lambdas/contract imports no other package of the module: it is the
//     leaf both sides share.
//
// The rules read the code with go/parser and `go list -json`, never a
// hand-kept list of packages. There is no list of tolerated offenders: the
// ones found when the check was written were fixed by the refactors of issue 19.
package archcheck
