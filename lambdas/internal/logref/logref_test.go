package logref

import (
	"strings"
	"testing"
)

func TestRef(t *testing.T) {
	a, b := Ref("pool", "alice"), Ref("pool", "bob")
	if len(a) != 12 || a == b || strings.Contains(a, "alice") {
		t.Fatalf("refs %q %q", a, b)
	}
	if Ref("poo", "lalice") == Ref("pool", "alice") {
		t.Fatal("parts must be separated")
	}
	if Ref() != "" || Ref("") != "" {
		t.Fatal("empty input must give an empty reference")
	}
}

func TestClip(t *testing.T) {
	if got := Clip(strings.Repeat("x", 100)); len(got) != MaxField+3 {
		t.Fatalf("clipped to %d", len(got))
	}
	if Clip("short") != "short" {
		t.Fatal("short values unchanged")
	}
}
