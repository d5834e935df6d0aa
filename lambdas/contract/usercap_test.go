package contract

import "testing"

func TestUserCapBounds(t *testing.T) {
	for in, want := range map[string]int{"": 7, "1": 1, "1000": 1000} {
		if got, err := ParseUserCapStarts(in, 7); err != nil || got != want {
			t.Errorf("ParseUserCapStarts(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"0", "1001", "-1", "2.5", " 3", "ten"} {
		if _, err := ParseUserCapStarts(in, 7); err == nil {
			t.Errorf("ParseUserCapStarts(%q) accepted", in)
		}
	}
	for in, want := range map[string]int{"": DefaultUserCapWindowSeconds, "60": 60, "86400": 86400} {
		if got, err := ParseUserCapWindowSeconds(in); err != nil || got != want {
			t.Errorf("ParseUserCapWindowSeconds(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"59", "86401", "90.5", "x"} {
		if _, err := ParseUserCapWindowSeconds(in); err == nil {
			t.Errorf("ParseUserCapWindowSeconds(%q) accepted", in)
		}
	}
	if CheckUserCapStarts(2.5) == nil || CheckUserCapWindowSeconds(59) == nil || CheckUserCapStarts(10) != nil {
		t.Error("Check* bounds")
	}
}
