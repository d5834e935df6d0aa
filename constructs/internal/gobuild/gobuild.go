// Package gobuild builds a Go Lambda handler (a main package) into a
// provided.al2023 arm64 asset with the local Go toolchain: no Docker, and the
// same source always gives the same bytes, so asset hashes are stable.
//
// The package is built by import path from the current working directory
// first, so when another module imports cognitobridge the build resolves
// through that module's go.mod and go.sum. When that cannot work (the app
// runs outside any Go module, or its module vendors its dependencies and so
// disables module lookups), the package is built from the cognitobridge
// module's own directory (the directory a replace points to, or its copy in
// the module cache), with its own go.mod and go.sum. When both fail, the
// error names the prebuilt-code props as the way out.
//
// Builds land in a bounded cache under the user cache directory
// (cognitobridge/gobuild): one directory per binary content, so builds of
// the same source from many directories share one entry, and entries unused
// for MaxCacheAge beyond the newest MaxCacheEntries are removed.
package gobuild

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
)

// BinaryName is the file name the provided.al2023 runtime executes.
const BinaryName = "bootstrap"

// Env is the environment of every build, appended to the process's own, so
// GOFLAGS, GOPROXY, GOCACHE and friends still apply.
var Env = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}

// Args returns the go command arguments that build importPath into out.
// -trimpath, -buildvcs=false and an empty build id make the output depend on
// the source and the toolchain only.
func Args(importPath, out string) []string {
	return []string{
		"build",
		"-tags", "lambda.norpc",
		"-trimpath",
		"-buildvcs=false",
		"-ldflags=-s -w -buildid=",
		"-o", out,
		importPath,
	}
}

// ModulePath is this module's path.
const ModulePath = "github.com/cognitobridge/cognitobridge"

// Bounds of the build cache.
const (
	// MaxCacheEntries is how many built binaries the cache keeps beyond
	// those used within MaxCacheAge (every handler of every construct is 14).
	MaxCacheEntries = 32
	// MaxCacheAge: an entry used this recently is kept whatever the count
	// (another synth may still be staging it).
	MaxCacheAge = time.Hour
)

// ProgressAfter is how long a handler build runs before one progress line
// goes to Progress: a warm build (Go's build cache) ends sooner and prints
// nothing, a first build prints one line per handler.
var ProgressAfter = 5 * time.Second

// Progress receives the progress lines (the app's stderr, which the CDK
// CLI shows).
var Progress io.Writer = os.Stderr

type result struct {
	once sync.Once
	dir  string
	err  error
}

var (
	mu    sync.Mutex
	built = map[string]*result{}
)

// Code builds importPath (once per process) and returns it as Lambda code.
// It panics with the package name, the go command's output and the way out
// (prebuilt code) when the build fails: a construct cannot synthesize
// without its handler.
func Code(importPath string) awslambda.Code {
	dir, err := Build(importPath)
	if err != nil {
		panic(err)
	}
	return awslambda.Code_FromAsset(&dir, nil)
}

// Build builds importPath (once per process) and returns the cache
// directory that holds only the bootstrap binary.
func Build(importPath string) (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("gobuild %s: working directory: %w", importPath, err)
	}
	key := importPath + "\x00" + wd
	mu.Lock()
	r, ok := built[key]
	if !ok {
		r = &result{}
		built[key] = r
	}
	mu.Unlock()
	r.once.Do(func() { r.dir, r.err = build(importPath, wd) })
	return r.dir, r.err
}

// cacheRoot is the build cache directory.
func cacheRoot() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "cognitobridge", "gobuild"), nil
}

// build builds importPath from wd, else from this module's directory, into
// the cache, and prunes the cache.
func build(importPath, wd string) (string, error) {
	root, err := cacheRoot()
	if err != nil {
		return "", fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	tmpDir, err := os.MkdirTemp(root, ".build-")
	if err != nil {
		return "", fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, BinaryName)

	done := progress(importPath)
	out, err := goBuild(importPath, tmp, wd, nil)
	if err != nil {
		first := fmt.Sprintf("from %s: %v\n%s", wd, err, out)
		mod := ModuleDir()
		if mod == "" || sameDir(mod, wd) {
			done()
			return "", buildError(importPath, first, "")
		}
		// The module's own go.mod and go.sum decide; a vendor setting or a
		// workspace of the app does not apply there.
		out2, err2 := goBuild(importPath, tmp, mod, []string{"GOWORK=off", "GOFLAGS=" + withoutModFlag(os.Getenv("GOFLAGS"))}, "-mod=readonly")
		if err2 != nil {
			done()
			return "", buildError(importPath, first, fmt.Sprintf("from the cognitobridge module at %s: %v\n%s", mod, err2, out2))
		}
	}
	done()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	dir, err := intoCache(root, importPath, tmp)
	if err != nil {
		return "", fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	prune(root, dir)
	return dir, nil
}

// buildError says what failed where, and the way out.
func buildError(importPath, first, second string) error {
	msg := fmt.Sprintf("gobuild: building Lambda handler %s for linux/arm64 failed %s", importPath, strings.TrimSpace(first))
	if second != "" {
		msg += "\nand " + strings.TrimSpace(second)
	}
	return errors.New(msg + "\nThe constructs build their handlers with the local Go toolchain at synth time, from the app's Go module or from " +
		"the cognitobridge module's own directory. Where neither can work (no go command, a vendored module without network, a read-only " +
		"module cache), give prebuilt handlers instead: StepUpProps.Code (and the Code prop of every other construct), each a provided.al2023 " +
		"arm64 bundle whose executable is named bootstrap (docs/consumer.md, \"Prebuilt handlers\")")
}

// progress prints one line if the build of importPath outlasts
// ProgressAfter; the returned func ends the wait.
func progress(importPath string) func() {
	t := time.AfterFunc(ProgressAfter, func() {
		fmt.Fprintf(Progress, "cognitobridge: building Lambda handler %s for linux/arm64 with the local Go toolchain "+
			"(the first synth builds each handler, ~10-60 s; later synths reuse Go's build cache)\n", importPath)
	})
	return func() { t.Stop() }
}

// goBuild runs go build of importPath into out from dir.
func goBuild(importPath, out, dir string, env []string, extra ...string) (string, error) {
	args := Args(importPath, out)
	if len(extra) > 0 {
		args = append(args[:1], append(append([]string{}, extra...), args[1:]...)...)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), Env...), env...)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	err := cmd.Run()
	return strings.TrimSpace(output.String()), err
}

// withoutModFlag drops any -mod= flag from a GOFLAGS value.
func withoutModFlag(goflags string) string {
	var kept []string
	for _, f := range strings.Fields(goflags) {
		if !strings.HasPrefix(f, "-mod=") && !strings.HasPrefix(f, "--mod=") {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}

func sameDir(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// intoCache moves the built binary tmp into the cache directory named by
// the package and the binary's content, and returns that directory. An
// existing entry of the same content is reused (and marked used).
func intoCache(root, importPath, tmp string) (string, error) {
	f, err := os.Open(tmp)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return "", err
	}
	name := strings.NewReplacer("/", "_", "\\", "_", ":", "_", "@", "_", ".", "_").Replace(importPath)
	dir := filepath.Join(root, name+"-"+hex.EncodeToString(h.Sum(nil)[:8]))
	if fi, err := os.Stat(filepath.Join(dir, BinaryName)); err == nil && fi.Mode().IsRegular() {
		now := time.Now()
		_ = os.Chtimes(filepath.Join(dir, BinaryName), now, now)
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// A rename within one file system is atomic: a concurrent process never
	// sees (or fingerprints) a partial file, and dir only holds bootstrap.
	if err := os.Rename(tmp, filepath.Join(dir, BinaryName)); err != nil {
		return "", err
	}
	return dir, nil
}

// prune removes cache entries beyond the newest MaxCacheEntries that were
// last used more than MaxCacheAge ago, and leftovers of interrupted builds;
// keep is never removed. Errors are ignored: the cache is an optimization.
func prune(root, keep string) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	type entry struct {
		path string
		used time.Time
	}
	var all []entry
	for _, e := range entries {
		path := filepath.Join(root, e.Name())
		if strings.HasPrefix(e.Name(), ".build-") {
			if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > MaxCacheAge {
				os.RemoveAll(path)
			}
			continue
		}
		if !e.IsDir() || path == keep {
			continue
		}
		fi, err := os.Stat(filepath.Join(path, BinaryName))
		if err != nil {
			if di, err := e.Info(); err == nil && time.Since(di.ModTime()) > MaxCacheAge {
				os.RemoveAll(path)
			}
			continue
		}
		all = append(all, entry{path, fi.ModTime()})
	}
	slices.SortFunc(all, func(a, b entry) int { return b.used.Compare(a.used) })
	for i, e := range all {
		if i >= MaxCacheEntries-1 && time.Since(e.used) > MaxCacheAge {
			os.RemoveAll(e.path)
		}
	}
}

// BuildInto builds importPath from the working directory into
// dir/bootstrap (no cache, no fallback). The binary is written to a
// temporary file beside dir and renamed into place, so dir only ever holds
// the bootstrap.
func BuildInto(importPath, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(dir), ".build-")
	if err != nil {
		return fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, BinaryName)
	wd, _ := os.Getwd()
	if out, err := goBuild(importPath, tmp, wd, nil); err != nil {
		return fmt.Errorf("gobuild: building Lambda handler %s for linux/arm64 failed: %v\n%s", importPath, err, out)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, BinaryName)); err != nil {
		return fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	return nil
}

// ModuleDir returns the directory of the cognitobridge module this binary
// was built from, or "": this source file's directory when the binary was
// built without -trimpath (a checkout, a replace directory or the module
// cache), else the module's version in the module cache (or the directory
// of an absolute replace) from the binary's build information.
func ModuleDir() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		for d := filepath.Dir(file); ; d = filepath.Dir(d) {
			if modulePathOf(filepath.Join(d, "go.mod")) == ModulePath {
				return d
			}
			if parent := filepath.Dir(d); parent == d {
				break
			}
		}
	}
	if dir := vendoredReplace(); dir != "" {
		return dir
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, dep := range info.Deps {
		if dep.Path != ModulePath {
			continue
		}
		path, version := dep.Path, dep.Version
		if r := dep.Replace; r != nil {
			if r.Version == "" {
				dir := r.Path
				if !filepath.IsAbs(dir) {
					// Relative to the app's go.mod, which is where the CDK
					// CLI runs the app.
					wd, _ := os.Getwd()
					dir = filepath.Join(wd, dir)
				}
				if modulePathOf(filepath.Join(dir, "go.mod")) == ModulePath {
					return dir
				}
				return ""
			}
			path, version = r.Path, r.Version
		}
		if dir := moduleCacheDir(path, version); dir != "" && modulePathOf(filepath.Join(dir, "go.mod")) == ModulePath {
			return dir
		}
	}
	return ""
}

// vendoredReplace finds this module's directory for an app whose module
// vendors its dependencies (the build information of a vendored build
// records no replacement): the app's vendor/modules.txt, found above this
// source file or in the working directory, names the replacement
// ("# github.com/cognitobridge/cognitobridge v0.0.0 => ../cognitobridge",
// relative to the app's module) or the version in the module cache.
func vendoredReplace() string {
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		if i := strings.LastIndex(filepath.ToSlash(file), "/vendor/"+ModulePath+"/"); i >= 0 {
			candidates = append(candidates, filepath.FromSlash(filepath.ToSlash(file)[:i]))
		}
	}
	if wd, err := os.Getwd(); err == nil {
		candidates = append(candidates, wd)
	}
	for _, appDir := range candidates {
		b, err := os.ReadFile(filepath.Join(appDir, "vendor", "modules.txt"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			fields := strings.Fields(line)
			if len(fields) < 3 || fields[0] != "#" || fields[1] != ModulePath {
				continue
			}
			var dir string
			switch {
			case len(fields) >= 5 && fields[3] == "=>" && len(fields) == 5:
				dir = fields[4] // a directory replacement
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(appDir, dir)
				}
			case len(fields) >= 6 && fields[3] == "=>":
				dir = moduleCacheDir(fields[4], fields[5])
			default:
				dir = moduleCacheDir(fields[1], fields[2])
			}
			if dir != "" && modulePathOf(filepath.Join(dir, "go.mod")) == ModulePath {
				return dir
			}
		}
	}
	return ""
}

// moduleCacheDir is path@version's directory in the module cache, or "".
func moduleCacheDir(path, version string) string {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return filepath.Join(strings.TrimSpace(string(out)), escapePath(path)+"@"+version)
}

// escapePath is the module cache's case encoding (golang.org/x/mod/module).
func escapePath(path string) string {
	var b strings.Builder
	for _, r := range path {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// modulePathOf is the module path a go.mod declares, or "".
func modulePathOf(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
