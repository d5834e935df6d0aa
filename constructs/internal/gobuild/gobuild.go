// Package gobuild builds a Go Lambda handler (a main package) into a
// provided.al2023 arm64 asset with the local Go toolchain: no Docker, and the
// same source always gives the same bytes, so asset hashes are stable.
//
// The package is built by import path from the current working directory, so
// when another module imports cognitobridge the build resolves through that
// module's go.mod and go.sum.
package gobuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

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
// It panics with the package name and the go command's output when the build
// fails: a construct cannot synthesize without its handler.
func Code(importPath string) awslambda.Code {
	dir, err := Build(importPath)
	if err != nil {
		panic(err)
	}
	return awslambda.Code_FromAsset(&dir, nil)
}

// Build builds importPath (once per process) and returns the directory that
// holds only the bootstrap binary.
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
	r.once.Do(func() {
		var dir string
		dir, r.err = assetDir(importPath, wd)
		if r.err == nil {
			r.err = BuildInto(importPath, dir)
		}
		r.dir = dir
	})
	return r.dir, r.err
}

// assetDir is a deterministic directory under the user cache directory, keyed
// by the import path and the directory the build resolves from (two modules
// may hold different versions of the same package).
func assetDir(importPath, wd string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	sum := sha256.Sum256([]byte(importPath + "\x00" + wd))
	name := strings.NewReplacer("/", "_", "\\", "_", ":", "_", "@", "_", ".", "_").Replace(importPath)
	return filepath.Join(cache, "cognitobridge", "gobuild", name+"-"+hex.EncodeToString(sum[:8])), nil
}

// BuildInto builds importPath into dir/bootstrap. The binary is written to a
// temporary file beside dir and renamed into place, so a concurrent process
// never sees (or fingerprints) a partial file, and dir only ever holds the
// bootstrap.
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

	cmd := exec.Command("go", Args(importPath, tmp)...)
	cmd.Env = append(os.Environ(), Env...)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gobuild: building Lambda handler %s for linux/arm64 failed: %v\n%s", importPath, err, strings.TrimSpace(stderr.String()))
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, BinaryName)); err != nil {
		return fmt.Errorf("gobuild %s: %w", importPath, err)
	}
	return nil
}
