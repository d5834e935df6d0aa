package conformance

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// TestTOTP pins the generator to the SHA-1 vectors of RFC 6238 appendix B
// (the last six digits of the eight-digit values).
func TestTOTP(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	for _, c := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1234567890, "005924"},
		{2000000000, "279037"},
	} {
		got, err := totp(secret, time.Unix(c.unix, 0))
		if err != nil || got != c.want {
			t.Errorf("totp at %d = %q, %v; want %q", c.unix, got, err, c.want)
		}
	}
	if _, err := totp("not base32!", time.Now()); err == nil {
		t.Error("a SecretCode that is not base32 was accepted")
	}
}

// TestLenientBase64: valid base64 passes unchanged; a UUID (moto's
// SECRET_BLOCK) decodes as Buffer.from(s, "base64") would, skipping the
// dashes.
func TestLenientBase64(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"AAEC", "AAEC"},
		{"3f2b1c4d-0000-4000-8000-000000000000", base64.StdEncoding.EncodeToString(mustRaw(t, "3f2b1c4d000040008000000000000000"))},
	} {
		if got := lenientBase64(c.in); got != c.want {
			t.Errorf("lenientBase64(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func mustRaw(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTableRoundTrip: the rendered table is found between its markers, a
// pipe in an observation cannot break a row, and every probe has a row.
func TestTableRoundTrip(t *testing.T) {
	local, moto := Observations{}, Observations{}
	for _, p := range Probes {
		local[p.Name], moto[p.Name] = p.Want, p.Want
	}
	moto["srp-wrong-password"] = "a | b"
	doc := "intro\n" + RenderTable(local, moto) + "\nafter\n"
	before, table, after, err := SplitDoc(doc)
	if err != nil || before != "intro\n" || after != "\nafter\n" {
		t.Fatalf("SplitDoc: %q %q %v", before, after, err)
	}
	rows := TableRows(table)
	if len(rows) != len(Probes) {
		t.Fatalf("%d rows for %d probes", len(rows), len(Probes))
	}
	if r := rows["srp-wrong-password"]; !strings.Contains(r, `a \| b`) || !strings.Contains(table, "### Differences (1)") {
		t.Errorf("the difference row is %q", r)
	}
	if _, _, _, err := SplitDoc("no markers"); err == nil {
		t.Error("a document without markers was accepted")
	}
}

// TestWaitingNamesProbes: every entry of WaitingOnBranch names a probe, and
// every probe states its expectation and the page deciding it.
func TestWaitingNamesProbes(t *testing.T) {
	names := map[string]bool{}
	for _, p := range Probes {
		names[p.Name] = true
		if p.Want == "" || p.Doc == "" || p.Ops == "" || p.Client == "" || p.Run == nil {
			t.Errorf("probe %q lacks its expectation, page, operations, client or run", p.Name)
		}
	}
	for name := range WaitingOnBranch {
		if !names[name] {
			t.Errorf("WaitingOnBranch names %q, which is no probe", name)
		}
	}
}
