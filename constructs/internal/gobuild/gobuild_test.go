package gobuild

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stubModule writes a tiny module with one main package and makes it the
// working directory, as a user's module importing cognitobridge would be.
func stubModule(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs go build")
	}
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/stub\n\ngo 1.22\n")
	write("cmd/hello/main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n")
	write("cmd/broken/main.go", "package main\n\nfunc main() { undefinedName() }\n")
	t.Chdir(dir)
	return dir
}

func sha(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestBuildIsReproducibleLinuxArm64(t *testing.T) {
	stubModule(t)
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := BuildInto("example.com/stub/cmd/hello", d); err != nil {
			t.Fatal(err)
		}
	}
	if sha(t, filepath.Join(a, BinaryName)) != sha(t, filepath.Join(b, BinaryName)) {
		t.Fatal("two builds of the same source gave different bootstrap binaries")
	}
	entries, err := os.ReadDir(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != BinaryName {
		t.Fatalf("asset directory must hold only %s, has %v", BinaryName, entries)
	}
	fi, err := os.Stat(filepath.Join(a, BinaryName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o111 == 0 {
		t.Fatalf("bootstrap is not executable: %v", fi.Mode())
	}
	f, err := elf.Open(filepath.Join(a, BinaryName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		t.Fatalf("bootstrap is %v/%v, want linux arm64", f.Machine, f.OSABI)
	}
	raw, _ := os.ReadFile(filepath.Join(a, BinaryName))
	if wd, _ := os.Getwd(); bytes.Contains(raw, []byte(wd)) {
		t.Fatal("bootstrap contains the build directory path: -trimpath not applied")
	}
}

func TestBuildMemoizesPerProcess(t *testing.T) {
	stubModule(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir()) // os.UserCacheDir on darwin
	d1, err := Build("example.com/stub/cmd/hello")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(d1, BinaryName)
	if err := os.WriteFile(bin, []byte("marker"), 0o755); err != nil {
		t.Fatal(err)
	}
	d2, err := Build("example.com/stub/cmd/hello")
	if err != nil {
		t.Fatal(err)
	}
	if d1 != d2 {
		t.Fatalf("same package built into two directories: %s, %s", d1, d2)
	}
	if got, _ := os.ReadFile(bin); string(got) != "marker" {
		t.Fatal("second Build of the same package ran go build again")
	}
}

func TestBuildFailureNamesPackageAndShowsStderr(t *testing.T) {
	stubModule(t)
	err := BuildInto("example.com/stub/cmd/broken", t.TempDir())
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, want := range []string{"example.com/stub/cmd/broken", "undefinedName"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestArgs(t *testing.T) {
	got := strings.Join(Args("example.com/x", "/o/bootstrap"), " ")
	want := "build -tags lambda.norpc -trimpath -buildvcs=false -ldflags=-s -w -buildid= -o /o/bootstrap example.com/x"
	if got != want {
		t.Fatalf("args = %q, want %q", got, want)
	}
}

// TestCacheIsSharedAcrossDirectories: the same source built from two
// directories (two modules) is one cache entry, keyed by its content.
func TestCacheIsSharedAcrossDirectories(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	stubModule(t)
	d1, err := Build("example.com/stub/cmd/hello")
	if err != nil {
		t.Fatal(err)
	}
	stubModule(t) // another directory with the same source
	d2, err := Build("example.com/stub/cmd/hello")
	if err != nil {
		t.Fatal(err)
	}
	if d1 != d2 {
		t.Fatalf("the same binary landed in two cache entries: %s, %s", d1, d2)
	}
}

// TestCacheIsBounded: entries beyond MaxCacheEntries unused for longer than
// MaxCacheAge go; recent ones and the one in use stay.
func TestCacheIsBounded(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-2 * MaxCacheAge)
	var keep string
	for i := range MaxCacheEntries + 10 {
		dir := filepath.Join(root, fmt.Sprintf("pkg-%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, BinaryName)
		if err := os.WriteFile(bin, []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
		used := old.Add(time.Duration(i) * time.Second)
		if i == 0 {
			keep = dir // the oldest, but in use
		}
		if i >= MaxCacheEntries+5 {
			used = time.Now() // recent: another synth may be staging it
		}
		if err := os.Chtimes(bin, used, used); err != nil {
			t.Fatal(err)
		}
	}
	leftover := filepath.Join(root, ".build-123")
	if err := os.MkdirAll(leftover, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(leftover, old, old); err != nil {
		t.Fatal(err)
	}
	prune(root, keep)
	entries, _ := os.ReadDir(root)
	if len(entries) != MaxCacheEntries {
		t.Errorf("%d entries left, want %d", len(entries), MaxCacheEntries)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the entry in use was removed: %v", err)
	}
	if _, err := os.Stat(leftover); err == nil {
		t.Error("an old interrupted build was kept")
	}
	for i := MaxCacheEntries + 5; i < MaxCacheEntries+10; i++ {
		if _, err := os.Stat(filepath.Join(root, fmt.Sprintf("pkg-%02d", i))); err != nil {
			t.Errorf("a recent entry was removed: %v", err)
		}
	}
}

// TestProgressLineOnlyForSlowBuilds: one line when a build outlasts
// ProgressAfter, none when it is quick.
func TestProgressLineOnlyForSlowBuilds(t *testing.T) {
	var buf bytes.Buffer
	old, oldAfter := Progress, ProgressAfter
	t.Cleanup(func() { Progress, ProgressAfter = old, oldAfter })
	Progress = &buf
	ProgressAfter = 10 * time.Millisecond
	done := progress("example.com/slow")
	time.Sleep(100 * time.Millisecond)
	done()
	ProgressAfter = time.Hour
	progress("example.com/quick")()
	if got := strings.Count(buf.String(), "\n"); got != 1 || !strings.Contains(buf.String(), "example.com/slow") {
		t.Fatalf("progress output %q, want one line for the slow build", buf.String())
	}
}
