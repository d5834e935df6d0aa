package test

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The documentation checks: README.md and docs/*.md.
//
//   - TestDocsSnippets: a line `<!-- snippet: <path>#<name> -->` is followed by
//     a fenced code block that must equal the region of <path> (relative to
//     the repository root) between the line containing `snippet:<name>` and
//     the next line containing `end snippet`, with the region's common
//     indentation removed. The sources are compiled code (apps/stacks,
//     constructs/*/example_test.go, the web pages bundled by `make web`), so
//     a snippet in the docs cannot drift from what builds. `go test ./test
//     -run TestDocs -update` rewrites the blocks from the sources (the same
//     -update flag that rewrites the golden templates, see apps_test.go).
//   - TestDocsLinks: every relative link and image resolves to a file or
//     folder of the repository; an anchor into README.md or docs/*.md names a
//     heading of that file.
//   - TestDocsTestNames: every test, fuzz test or benchmark the docs name
//     in backticks (`TestAttack…`-style prefixes excepted) is declared in a
//     _test.go file of the repository, so a security claim never cites a
//     test that is gone.

const repoRoot = ".."

// docFiles lists README.md and docs/*.md, relative to the repository root.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md"}
	more, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range more {
		rel, _ := filepath.Rel(repoRoot, f)
		files = append(files, filepath.ToSlash(rel))
	}
	return files
}

func readLines(t *testing.T, rel string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

var snippetMarker = regexp.MustCompile(`^<!--\s*snippet:\s*(\S+?)#(\S+)\s*-->\s*$`)

// snippetRegion returns the dedented lines of source rel between the line
// containing "snippet:<name>" and the next line containing "end snippet".
func snippetRegion(rel, name string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	start := regexp.MustCompile(`snippet:` + regexp.QuoteMeta(name) + `(\s|$)`)
	lines := strings.Split(string(b), "\n")
	from := -1
	for i, l := range lines {
		if start.MatchString(l) {
			if from >= 0 {
				return nil, fmt.Errorf("%s: two lines mark snippet:%s (lines %d and %d)", rel, name, from, i+1)
			}
			from = i + 1
		}
	}
	if from < 0 {
		return nil, fmt.Errorf("%s: no line contains snippet:%s", rel, name)
	}
	to := -1
	for i := from; i < len(lines); i++ {
		if strings.Contains(lines[i], "end snippet") {
			to = i
			break
		}
		if strings.Contains(lines[i], "snippet:") {
			return nil, fmt.Errorf("%s: snippet:%s has another marker (line %d) before its end snippet", rel, name, i+1)
		}
	}
	if to < 0 {
		return nil, fmt.Errorf("%s: snippet:%s has no end snippet line", rel, name)
	}
	region := slices.Clone(lines[from:to])
	// gofmt puts a blank line between a top-level declaration and the
	// end marker's comment: it is not part of the snippet.
	for len(region) > 0 && strings.TrimSpace(region[len(region)-1]) == "" {
		region = region[:len(region)-1]
	}
	if len(region) == 0 {
		return nil, fmt.Errorf("%s: snippet:%s is empty", rel, name)
	}
	return dedent(region), nil
}

// dedent removes the leading whitespace common to every non-blank line and
// trailing whitespace from every line.
func dedent(lines []string) []string {
	prefix, first := "", true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ws := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = ws, false
			continue
		}
		for !strings.HasPrefix(ws, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(strings.TrimPrefix(l, prefix), " \t\r")
	}
	return out
}

func TestDocsSnippets(t *testing.T) {
	used := 0
	for _, doc := range docFiles(t) {
		lines := readLines(t, doc)
		changed := false
		for i := 0; i < len(lines); i++ {
			m := snippetMarker.FindStringSubmatch(lines[i])
			if m == nil {
				if strings.Contains(lines[i], "<!-- snippet") {
					t.Errorf("%s:%d: malformed snippet marker %q (want <!-- snippet: <path>#<name> -->)", doc, i+1, lines[i])
				}
				continue
			}
			used++
			src, name := m[1], m[2]
			// The fence opens on the next line and closes at the next
			// line that is exactly the fence.
			open := i + 1
			if open >= len(lines) || !strings.HasPrefix(lines[open], "```") {
				t.Errorf("%s:%d: snippet %s#%s is not followed by a fenced code block", doc, i+1, src, name)
				continue
			}
			fence := lines[open][:len(lines[open])-len(strings.TrimLeft(lines[open], "`"))]
			closeAt := -1
			for j := open + 1; j < len(lines); j++ {
				if strings.TrimRight(lines[j], " ") == fence {
					closeAt = j
					break
				}
			}
			if closeAt < 0 {
				t.Errorf("%s:%d: the code block of snippet %s#%s is not closed", doc, open+1, src, name)
				continue
			}
			want, err := snippetRegion(src, name)
			if err != nil {
				t.Errorf("%s:%d: %v", doc, i+1, err)
				continue
			}
			got := lines[open+1 : closeAt]
			if slices.Equal(got, want) {
				i = closeAt
				continue
			}
			if *update {
				lines = slices.Concat(lines[:open+1], want, lines[closeAt:])
				changed = true
				i = open + len(want) + 1
				continue
			}
			t.Errorf("%s:%d: the code block of snippet %s#%s differs from its source; run `go test ./test -run TestDocs -update`\n--- docs\n%s\n--- %s\n%s",
				doc, i+1, src, name, strings.Join(got, "\n"), src, strings.Join(want, "\n"))
			i = closeAt
		}
		if changed {
			path := filepath.Join(repoRoot, filepath.FromSlash(doc))
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrote the snippets of %s", doc)
		}
	}
	if used == 0 {
		t.Fatal("no snippet markers in README.md or docs/*.md: is the repository root wrong?")
	}
}

// prose returns the lines of a markdown file outside fenced code blocks,
// with inline code spans blanked, and the line numbers they came from.
func prose(lines []string) (out []string, numbers []int) {
	fence := ""
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		if fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")) {
			fence = trimmed[:3]
			continue
		}
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		out = append(out, inlineCode.ReplaceAllString(l, "``"))
		numbers = append(numbers, i+1)
	}
	return out, numbers
}

var (
	inlineCode = regexp.MustCompile("`[^`]*`")
	mdLink     = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	htmlLink   = regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	heading    = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
)

// anchors returns the GitHub heading anchors of a markdown file.
func anchors(lines []string) map[string]bool {
	text, _ := prose(lines)
	seen := map[string]int{}
	out := map[string]bool{}
	for _, l := range text {
		m := heading.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		slug := slugify(m[1])
		if n := seen[slug]; n > 0 {
			out[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// slugify is GitHub's heading anchor: lower case, punctuation dropped
// (hyphens and underscores kept), spaces to hyphens.
func slugify(h string) string {
	h = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(h, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// headingAnchors returns the anchors of the headings of rel (a heading's
// code spans count with their text, as GitHub slugs them).
func headingAnchors(t *testing.T, rel string) map[string]bool {
	lines := readLines(t, rel)
	var raw []string
	fence := ""
	for _, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		if fence == "" && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")) {
			fence = trimmed[:3]
			raw = append(raw, "")
			continue
		}
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			raw = append(raw, "")
			continue
		}
		raw = append(raw, strings.ReplaceAll(l, "`", ""))
	}
	return anchors(raw)
}

func TestDocsLinks(t *testing.T) {
	own := map[string]bool{}
	for _, doc := range docFiles(t) {
		own[doc] = true
	}
	checked := 0
	for _, doc := range docFiles(t) {
		text, numbers := prose(readLines(t, doc))
		for k, l := range text {
			var targets []string
			for _, m := range mdLink.FindAllStringSubmatch(l, -1) {
				targets = append(targets, m[1])
			}
			for _, m := range htmlLink.FindAllStringSubmatch(l, -1) {
				targets = append(targets, m[1])
			}
			for _, target := range targets {
				if u, err := url.Parse(target); err == nil && u.Scheme != "" {
					continue // http(s), mailto: not checked here
				}
				path, anchor, _ := strings.Cut(target, "#")
				file := doc
				if path != "" {
					p, err := url.PathUnescape(path)
					if err != nil {
						t.Errorf("%s:%d: link %q: %v", doc, numbers[k], target, err)
						continue
					}
					file = filepath.ToSlash(filepath.Join(filepath.Dir(doc), p))
					if strings.HasPrefix(file, "../") {
						t.Errorf("%s:%d: link %q leaves the repository", doc, numbers[k], target)
						continue
					}
					if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(file))); err != nil {
						t.Errorf("%s:%d: link %q: no such file %s", doc, numbers[k], target, file)
						continue
					}
				}
				checked++
				if anchor != "" && own[file] && !headingAnchors(t, file)[anchor] {
					t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", doc, numbers[k], target, file, anchor)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative links found in README.md or docs/*.md")
	}
}

var namedTest = regexp.MustCompile("`((?:Test|Fuzz|Benchmark)[A-Z][A-Za-z0-9_]*)(?:[`/ ])")

func TestDocsTestNames(t *testing.T) {
	declared := map[string]bool{}
	decl := regexp.MustCompile(`^func ((?:Test|Fuzz|Benchmark)[A-Za-z0-9_]*)\(`)
	err := filepath.WalkDir(repoRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", ".git", ".tools", "cdk.out", "dist":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			if m := decl.FindStringSubmatch(s.Text()); m != nil {
				declared[m[1]] = true
			}
		}
		return s.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range docFiles(t) {
		for i, l := range readLines(t, doc) {
			for _, m := range namedTest.FindAllStringSubmatch(l, -1) {
				if !declared[m[1]] {
					t.Errorf("%s:%d: names %s, which no _test.go file declares", doc, i+1, m[1])
				}
			}
		}
	}
}
