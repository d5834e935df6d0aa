package e164

import "testing"

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"+12025550143", "+12025550143"},
		{"+1 (202) 555-0143", "+12025550143"},
		{"+1.202.555.0143", "+12025550143"},
		{" +1 202 555 0143", "+12025550143"},
		{"+44 7911 123456", "+447911123456"},
		{"+44 (0) 7911 123456", "+447911123456"},
		{"+33 6 12 34 56 78", "+33612345678"},
		// Refused: not normalizable without a guess, or not E.164.
		{"", ""},
		{"2025550143", ""},             // national: which country?
		{"07700 900123", ""},           // national (UK)
		{"0044 7911 123456", ""},       // an international prefix, not '+'
		{"+1 800 FLOWERS", ""},         // letters
		{"+1 202 555 0143 ext. 7", ""}, // extension
		{"+1 202 555 0143;ext=7", ""},
		{"+12025550143\n", ""},     // control character
		{"+1202555014\u200b3", ""}, // not a digit, a space or punctuation libphonenumber accepts
		{"+999 123456", ""},        // no such country code
		{"+1 555", ""},             // too short
		{"+1 202 555 0143 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000", ""},
		{"x+12025550143", ""},
		{"+1 202 555 0143+", ""}, // a second '+'
		{"+１２０２５５５０１４３", ""},     // full-width digits
	} {
		got, ok := Normalize(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Normalize(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestEqual(t *testing.T) {
	if !Equal("+1 (202) 555-0143", "+12025550143") {
		t.Error("the same number, formatted differently")
	}
	if Equal("+12025550143", "+12025550144") || Equal("2025550143", "2025550143") || Equal("", "") {
		t.Error("different, or not normalizable, numbers compared equal")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"+12025550143", "+44 7911 123456", "0044", "+1 800 FLOWERS", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := Normalize(s)
		if !ok {
			return
		}
		if again, ok2 := Normalize(out); !ok2 || again != out {
			t.Fatalf("Normalize(%q) = %q, which normalizes to %q, %v", s, out, again, ok2)
		}
		if out[0] != '+' || len(out) > 16 {
			t.Fatalf("Normalize(%q) = %q: not E.164", s, out)
		}
		for _, r := range out[1:] {
			if r < '0' || r > '9' {
				t.Fatalf("Normalize(%q) = %q: not E.164", s, out)
			}
		}
	})
}
