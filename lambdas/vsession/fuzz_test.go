package vsession

import (
	"testing"
)

// FuzzDecodeResult: whatever the provider sends, decoding never panics, and
// a result that claims both verdicts is a completed one with a subject and
// a completion time.
func FuzzDecodeResult(f *testing.F) {
	for _, s := range []string{
		`{"challenge_id":"a","status":"completed","user_id":"u","match_result":true,"liveness_verified":true,"completed_at":"2030-01-01T00:00:00Z"}`,
		`{"challenge_id":"a","status":"pending","match_result":true,"liveness_verified":true}`,
		`{"challenge_id":"a","status":"completed","match_result":false,"match_result":true}`,
		`{"challenge_id":"a","status":"expired","expires_at":null}`,
		`{} {}`,
		`[]`,
		`{"challenge_id":"a","status":"completed","user_id":"u","match_result":"true","liveness_verified":1,"completed_at":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeResult(body)
		if err != nil {
			return
		}
		if (r.MatchResult || r.LivenessVerified) && (r.Status != StatusCompleted || r.Subject == "" || r.CompletedAt.IsZero()) {
			t.Fatalf("verdict outside a complete result: %+v", r)
		}
		if _, err := decodeObject(body); err != nil {
			t.Fatalf("decodeResult accepted what decodeObject refuses: %v", err)
		}
	})
}
