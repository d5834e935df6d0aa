package recordhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

type result struct {
	o   steprecord.Outcome
	err error
}

// fakeStore answers each call with the next scripted result and records
// the calls.
type fakeStore struct {
	recordEnrolled, enroll []result
	calls                  []string
	last                   steprecord.Pass
}

func (f *fakeStore) next(list *[]result, name string, p steprecord.Pass) (steprecord.Outcome, error) {
	f.calls = append(f.calls, name)
	f.last = p
	if len(*list) == 0 {
		return 0, errors.New("unscripted call " + name)
	}
	r := (*list)[0]
	*list = (*list)[1:]
	return r.o, r.err
}

func (f *fakeStore) RecordEnrolled(_ context.Context, p steprecord.Pass) (steprecord.Outcome, error) {
	return f.next(&f.recordEnrolled, "RecordEnrolled", p)
}

func (f *fakeStore) EnrollAndRecord(_ context.Context, p steprecord.Pass) (steprecord.Outcome, error) {
	return f.next(&f.enroll, "EnrollAndRecord", p)
}

func passed(firstUse stepup.Reason) stepup.Passed {
	ev := stepup.VerifyEvent{Header: stepup.Header{
		UserPoolID: "us-east-1_x", UserName: "alice",
		CallerContext: stepup.CallerContext{ClientID: "client-1"},
	}}
	ev.Request.UserAttributes = map[string]string{"sub": "sub-1", "email": "a@example.com"}
	return stepup.Passed{
		Event:       ev,
		Identity:    enrollment.Identity{Issuer: "https://idp", Subject: "alice-at-idp"},
		BindingHash: contract.BindingHash("v"),
		FirstUse:    firstUse,
	}
}

func TestRecord(t *testing.T) {
	boom := errors.New("down")
	for _, tc := range []struct {
		name           string
		firstUse       stepup.Reason
		recordEnrolled []result
		enroll         []result
		want           stepup.Reason
		note           string
		calls          []string
	}{
		{name: "warm: enrolled, one call", firstUse: stepup.ReasonOK, recordEnrolled: []result{{o: steprecord.Recorded}},
			want: stepup.ReasonOK, note: "recorded", calls: []string{"RecordEnrolled"}},
		{name: "warm even when the email binding no longer holds", firstUse: stepup.ReasonBindingMismatch, recordEnrolled: []result{{o: steprecord.Recorded}},
			want: stepup.ReasonOK, note: "recorded", calls: []string{"RecordEnrolled"}},
		{name: "enrolled with another identity", firstUse: stepup.ReasonOK, recordEnrolled: []result{{o: steprecord.Mismatch}},
			want: stepup.ReasonEnrollmentMismatch, note: "mismatch", calls: []string{"RecordEnrolled"}},
		{name: "first use enrolls: one more call", firstUse: stepup.ReasonOK, recordEnrolled: []result{{o: steprecord.NotEnrolled}}, enroll: []result{{o: steprecord.Enrolled}},
			want: stepup.ReasonOK, note: "enrolled", calls: []string{"RecordEnrolled", "EnrollAndRecord"}},
		{name: "first use with a failed binding is refused, nothing enrolled", firstUse: stepup.ReasonBindingMismatch, recordEnrolled: []result{{o: steprecord.NotEnrolled}},
			want: stepup.ReasonBindingMismatch, note: "not_enrolled", calls: []string{"RecordEnrolled"}},
		{name: "admin only: not enrolled", firstUse: stepup.ReasonNotEnrolled, recordEnrolled: []result{{o: steprecord.NotEnrolled}},
			want: stepup.ReasonNotEnrolled, note: "not_enrolled", calls: []string{"RecordEnrolled"}},
		{name: "race lost to another identity", firstUse: stepup.ReasonOK, recordEnrolled: []result{{o: steprecord.NotEnrolled}}, enroll: []result{{o: steprecord.Mismatch}},
			want: stepup.ReasonEnrollmentMismatch, note: "mismatch", calls: []string{"RecordEnrolled", "EnrollAndRecord"}},
		{name: "store down", firstUse: stepup.ReasonOK, recordEnrolled: []result{{err: boom}},
			want: stepup.ReasonRecordFailed, calls: []string{"RecordEnrolled"}},
		{name: "store down while enrolling", firstUse: stepup.ReasonOK, recordEnrolled: []result{{o: steprecord.NotEnrolled}}, enroll: []result{{err: boom}},
			want: stepup.ReasonRecordFailed, calls: []string{"RecordEnrolled", "EnrollAndRecord"}},
		{name: "unknown outcome fails closed", firstUse: stepup.ReasonOK, recordEnrolled: []result{{o: 0}},
			want: stepup.ReasonRecordFailed, calls: []string{"RecordEnrolled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeStore{recordEnrolled: tc.recordEnrolled, enroll: tc.enroll}
			at := time.Unix(1_700_000_000, 0)
			h := New(f)
			h.Now = func() time.Time { return at }
			got, note := h.Record(context.Background(), passed(tc.firstUse))
			if got != tc.want || note != tc.note {
				t.Fatalf("Record = %s, %q; want %s, %q", got, note, tc.want, tc.note)
			}
			if len(f.calls) != len(tc.calls) {
				t.Fatalf("calls %q, want %q", f.calls, tc.calls)
			}
			for i := range f.calls {
				if f.calls[i] != tc.calls[i] {
					t.Fatalf("calls %q, want %q", f.calls, tc.calls)
				}
			}
			p := f.last
			if p.PoolID != "us-east-1_x" || p.Sub != "sub-1" || p.ClientID != "client-1" || !p.At.Equal(at) || p.BindingHash != contract.BindingHash("v") || p.Identity.Subject != "alice-at-idp" {
				t.Fatalf("pass %+v", p)
			}
		})
	}
}

// Through the real store: an event without a client id fails closed, never
// a record without a client.
func TestRecordWithoutClientIDFailsClosed(t *testing.T) {
	p := passed(stepup.ReasonOK)
	p.Event.CallerContext.ClientID = ""
	h := New(steprecord.New(nil, "tbl", time.Minute))
	if got, _ := h.Record(context.Background(), p); got != stepup.ReasonRecordFailed {
		t.Fatalf("Record without client id = %s", got)
	}
}
