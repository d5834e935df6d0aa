package presignup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

type stub struct {
	name  string
	apply func(ctx context.Context, ev *Event) error
	ran   *[]string
}

func (s stub) Name() string { return s.name }
func (s stub) Apply(ctx context.Context, ev *Event) error {
	if s.ran != nil {
		*s.ran = append(*s.ran, s.name)
	}
	if s.apply == nil {
		return nil
	}
	return s.apply(ctx, ev)
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	for in, want := range map[string]string{
		"linking":          "linking",
		" linking ,":       "",
		"":                 "",
		"  ":               "",
		"linking,linking":  "",
		"linking,proofing": "linking,proofing",
		"proofing,linking": "proofing,linking",
		"linking,idv":      "",
		"Linking":          "",
		"linking,":         "",
	} {
		c, err := ConfigFromEnv(env(map[string]string{contract.EnvPreSignUpBehaviours: in}))
		if got := strings.Join(c.Behaviours, ","); got != want || (want == "") != (err != nil) {
			t.Errorf("%q: %q %v", in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), contract.EnvPreSignUpBehaviours) {
			t.Errorf("%q: error does not name the key: %v", in, err)
		}
	}
}

func TestBuild(t *testing.T) {
	c := Config{Behaviours: []string{"linking"}}
	if _, err := Build(c, nil); err == nil {
		t.Error("missing factory accepted")
	}
	if _, err := Build(c, map[string]Factory{"linking": func() (Behaviour, error) { return nil, errors.New("bad env") }}); err == nil || !strings.Contains(err.Error(), "bad env") {
		t.Errorf("factory error: %v", err)
	}
	if _, err := Build(c, map[string]Factory{"linking": func() (Behaviour, error) { return stub{name: "other"}, nil }}); err == nil {
		t.Error("misnamed behaviour accepted")
	}
	bs, err := Build(c, map[string]Factory{"linking": func() (Behaviour, error) { return stub{name: "linking"}, nil }, "unused": nil})
	if err != nil || len(bs) != 1 {
		t.Errorf("%v %v", bs, err)
	}
}

func quiet(h *Handler) (*Handler, *bytes.Buffer) {
	var buf bytes.Buffer
	h.Logger = slog.New(slog.NewJSONHandler(&buf, nil))
	return h, &buf
}

func TestHandleOrderAndRefusals(t *testing.T) {
	var ran []string
	setConfirm := stub{name: "a", ran: &ran, apply: func(_ context.Context, ev *Event) error { ev.Response.AutoConfirmUser = true; return nil }}
	userErr := stub{name: "b", ran: &ran, apply: func(context.Context, *Event) error {
		return Refuse("ambiguous_email", "Please sign in with your account.")
	}}
	internal := stub{name: "c", ran: &ran, apply: func(context.Context, *Event) error {
		return errors.New("AccessDeniedException: arn:aws:iam::123:role/x")
	}}
	panics := stub{name: "d", ran: &ran, apply: func(context.Context, *Event) error { panic("boom") }}
	never := stub{name: "e", ran: &ran}
	ev := Event{Header: Header{TriggerSource: TriggerSignUp, UserPoolID: "us-east-1_x", UserName: "alice@example.com"}}

	h, logs := quiet(New(setConfirm, never))
	out, err := h.Handle(context.Background(), ev)
	if err != nil || !out.Response.AutoConfirmUser || strings.Join(ran, "") != "ae" {
		t.Fatalf("pass: %+v %v %v", out, err, ran)
	}
	if !strings.Contains(logs.String(), `"reason":"ok"`) || strings.Contains(logs.String(), "alice") {
		t.Errorf("log %s", logs)
	}

	for _, tc := range []struct {
		bs     []Behaviour
		msg    string
		reason string
		ran    string
	}{
		{[]Behaviour{setConfirm, userErr, never}, "Please sign in with your account.", "ambiguous_email", "ab"},
		{[]Behaviour{internal, never}, "sign-up refused", ReasonInternalError, "c"},
		{[]Behaviour{setConfirm, panics, never}, "sign-up refused", ReasonPanic, "ad"},
		{[]Behaviour{stub{name: "f", apply: func(context.Context, *Event) error { return &UserError{Reason: "x"} }}}, "sign-up refused", ReasonInternalError, ""},
		{[]Behaviour{stub{name: "g", apply: func(context.Context, *Event) error { return errors.Join(errors.New("w"), Refuse("r", "m")) }}}, "m", "r", ""},
	} {
		ran = nil
		h, logs := quiet(New(tc.bs...))
		out, err := h.Handle(context.Background(), ev)
		if err == nil || err.Error() != tc.msg || out.Response.AutoConfirmUser || strings.Join(ran, "") != tc.ran {
			t.Errorf("%s: %+v %v ran=%v", tc.reason, out, err, ran)
		}
		if !strings.Contains(logs.String(), `"reason":"`+tc.reason+`"`) || strings.Contains(logs.String(), "arn:aws") {
			t.Errorf("log %s", logs)
		}
	}
	var nilH *Handler
	if _, err := nilH.Handle(context.Background(), ev); !errors.Is(err, ErrSignUpRefused) {
		t.Errorf("nil handler: %v", err)
	}
}

func TestWithBudget(t *testing.T) {
	ctx, cancel := WithBudget(context.Background())
	defer cancel()
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > MaxBudget {
		t.Fatal("no cap")
	}
	parent, pc := context.WithTimeout(context.Background(), time.Second)
	defer pc()
	ctx, cancel = WithBudget(parent)
	defer cancel()
	if d, _ := ctx.Deadline(); time.Until(d) > time.Second-DeadlineMargin {
		t.Fatal("margin not kept")
	}
	short, sc := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer sc()
	ctx, cancel = WithBudget(short)
	defer cancel()
	if ctx.Err() == nil {
		t.Fatal("budget inside the margin should be spent")
	}
}

// TestContractThroughLambdaHandler drives a Cognito-shaped event through
// aws-lambda-go's JSON path: the response keeps Cognito's field names.
func TestContractThroughLambdaHandler(t *testing.T) {
	payload := `{
  "version": "1", "triggerSource": "PreSignUp_SignUp", "region": "us-east-1",
  "userPoolId": "us-east-1_AbCdEf123", "userName": "alice",
  "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
  "request": {"userAttributes": {"email": "alice@example.com"}, "validationData": {"k": "v"}, "clientMetadata": null},
  "response": {"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}
}`
	verify := stub{name: "v", apply: func(_ context.Context, ev *Event) error {
		if ev.Request.ValidationData["k"] != "v" || ev.CallerContext.ClientID != "1example23456789" || ev.Request.UserAttributes["email"] != "alice@example.com" {
			return errors.New("event not decoded")
		}
		ev.Response.AutoVerifyEmail = true
		return nil
	}}
	h, _ := quiet(New(verify))
	out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	resp := m["response"].(map[string]any)
	if resp["autoVerifyEmail"] != true || resp["autoConfirmUser"] != false || resp["autoVerifyPhone"] != false || m["userName"] != "alice" {
		t.Fatalf("%s", out)
	}
	h, _ = quiet(New(stub{name: "r", apply: func(context.Context, *Event) error { return Refuse("x", "Try again.") }}))
	if _, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(payload)); err == nil || err.Error() != "Try again." {
		t.Fatalf("refusal through lambda: %v", err)
	}
}
