package pooltriggers_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/pooltriggers"
	rp "github.com/cognitobridge/cognitobridge/lambdas/pooltriggers/resourceprops"
)

const (
	define    = "arn:aws:lambda:eu-west-1:123456789012:function:define"
	defineOld = "arn:aws:lambda:eu-west-1:123456789012:function:define-old"
	create    = "arn:aws:lambda:eu-west-1:123456789012:function:create"
	guard     = "arn:aws:lambda:eu-west-1:123456789012:function:guard"
	foreign   = "arn:aws:lambda:eu-west-1:123456789012:function:someone-else"
	postConf  = "arn:aws:lambda:eu-west-1:123456789012:function:post-confirmation"
)

func tr(op, arn string) rp.Trigger { return rp.Trigger{Operation: op, LambdaArn: arn} }

func ptg(arn, version string) *types.PreTokenGenerationVersionConfigType {
	return &types.PreTokenGenerationVersionConfigType{LambdaArn: aws.String(arn), LambdaVersion: types.PreTokenGenerationLambdaVersionType(version)}
}

func TestPlanAttach(t *testing.T) {
	s := aws.String
	for _, c := range []struct {
		name     string
		current  *types.LambdaConfigType
		want     []rp.Trigger
		previous []rp.Trigger
		next     types.LambdaConfigType
		set      []string
		released []string
		left     []string
		refused  *pooltriggers.Refusal
	}{{
		name:    "empty slots are filled; an unrelated trigger stays",
		current: &types.LambdaConfigType{PostConfirmation: s(postConf)},
		want:    []rp.Trigger{tr(rp.OpDefineAuthChallenge, define), tr(rp.OpCreateAuthChallenge, create)},
		next:    types.LambdaConfigType{PostConfirmation: s(postConf), DefineAuthChallenge: s(define), CreateAuthChallenge: s(create)},
		set:     []string{rp.OpDefineAuthChallenge, rp.OpCreateAuthChallenge},
	}, {
		name:    "nil LambdaConfig",
		current: nil,
		want:    []rp.Trigger{tr(rp.OpPreSignUp, define)},
		next:    types.LambdaConfigType{PreSignUp: s(define)},
		set:     []string{rp.OpPreSignUp},
	}, {
		name:    "already attached: nothing to write",
		current: &types.LambdaConfigType{DefineAuthChallenge: s(define)},
		want:    []rp.Trigger{tr(rp.OpDefineAuthChallenge, define)},
		next:    types.LambdaConfigType{DefineAuthChallenge: s(define)},
	}, {
		name:    "a slot taken by another function refuses everything",
		current: &types.LambdaConfigType{DefineAuthChallenge: s(foreign)},
		want:    []rp.Trigger{tr(rp.OpCreateAuthChallenge, create), tr(rp.OpDefineAuthChallenge, define)},
		refused: &pooltriggers.Refusal{Operation: rp.OpDefineAuthChallenge, Holder: foreign},
	}, {
		name:     "update: our previous function is replaced",
		current:  &types.LambdaConfigType{DefineAuthChallenge: s(defineOld)},
		want:     []rp.Trigger{tr(rp.OpDefineAuthChallenge, define)},
		previous: []rp.Trigger{tr(rp.OpDefineAuthChallenge, defineOld)},
		next:     types.LambdaConfigType{DefineAuthChallenge: s(define)},
		set:      []string{rp.OpDefineAuthChallenge},
	}, {
		name:     "update: our previous function of another slot is no proof of ownership",
		current:  &types.LambdaConfigType{DefineAuthChallenge: s(defineOld)},
		want:     []rp.Trigger{tr(rp.OpDefineAuthChallenge, define)},
		previous: []rp.Trigger{tr(rp.OpCreateAuthChallenge, defineOld)},
		refused:  &pooltriggers.Refusal{Operation: rp.OpDefineAuthChallenge, Holder: defineOld},
	}, {
		name:     "update: a trigger no longer wanted is emptied when it still holds ours",
		current:  &types.LambdaConfigType{DefineAuthChallenge: s(define), CreateAuthChallenge: s(create)},
		want:     []rp.Trigger{tr(rp.OpDefineAuthChallenge, define)},
		previous: []rp.Trigger{tr(rp.OpDefineAuthChallenge, define), tr(rp.OpCreateAuthChallenge, create)},
		next:     types.LambdaConfigType{DefineAuthChallenge: s(define)},
		released: []string{rp.OpCreateAuthChallenge},
	}, {
		name:     "update: a trigger no longer wanted that someone else took is left",
		current:  &types.LambdaConfigType{CreateAuthChallenge: s(foreign)},
		want:     nil,
		previous: []rp.Trigger{tr(rp.OpCreateAuthChallenge, create)},
		next:     types.LambdaConfigType{CreateAuthChallenge: s(foreign)},
		left:     []string{rp.OpCreateAuthChallenge},
	}, {
		name:    "pre token generation sets both fields, V1_0 by default",
		current: &types.LambdaConfigType{},
		want:    []rp.Trigger{tr(rp.OpPreTokenGeneration, guard)},
		next:    types.LambdaConfigType{PreTokenGeneration: s(guard), PreTokenGenerationConfig: ptg(guard, "V1_0")},
		set:     []string{rp.OpPreTokenGeneration},
	}, {
		name:    "pre token generation: a version change is a write",
		current: &types.LambdaConfigType{PreTokenGeneration: s(guard), PreTokenGenerationConfig: ptg(guard, "V1_0")},
		want:    []rp.Trigger{{Operation: rp.OpPreTokenGeneration, LambdaArn: guard, LambdaVersion: "V2_0"}},
		next:    types.LambdaConfigType{PreTokenGeneration: s(guard), PreTokenGenerationConfig: ptg(guard, "V2_0")},
		set:     []string{rp.OpPreTokenGeneration},
	}, {
		name:    "pre token generation: same version, nothing to write",
		current: &types.LambdaConfigType{PreTokenGeneration: s(guard), PreTokenGenerationConfig: ptg(guard, "V2_0")},
		want:    []rp.Trigger{{Operation: rp.OpPreTokenGeneration, LambdaArn: guard, LambdaVersion: "V2_0"}},
		next:    types.LambdaConfigType{PreTokenGeneration: s(guard), PreTokenGenerationConfig: ptg(guard, "V2_0")},
	}, {
		name:    "pre token generation: legacy field only, ours: the versioned field is added",
		current: &types.LambdaConfigType{PreTokenGeneration: s(guard)},
		want:    []rp.Trigger{tr(rp.OpPreTokenGeneration, guard)},
		next:    types.LambdaConfigType{PreTokenGeneration: s(guard), PreTokenGenerationConfig: ptg(guard, "V1_0")},
		set:     []string{rp.OpPreTokenGeneration},
	}, {
		name:    "pre token generation: taken in the versioned field only",
		current: &types.LambdaConfigType{PreTokenGenerationConfig: ptg(foreign, "V2_0")},
		want:    []rp.Trigger{tr(rp.OpPreTokenGeneration, guard)},
		refused: &pooltriggers.Refusal{Operation: rp.OpPreTokenGeneration, Holder: foreign},
	}, {
		name:    "pre token generation: taken in the legacy field only",
		current: &types.LambdaConfigType{PreTokenGeneration: s(foreign)},
		want:    []rp.Trigger{tr(rp.OpPreTokenGeneration, guard)},
		refused: &pooltriggers.Refusal{Operation: rp.OpPreTokenGeneration, Holder: foreign},
	}, {
		name:    "fields we do not manage are kept (KMS key, senders)",
		current: &types.LambdaConfigType{KMSKeyID: s("kms"), CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{LambdaArn: s(foreign), LambdaVersion: "V1_0"}},
		want:    []rp.Trigger{tr(rp.OpUserMigration, define)},
		next:    types.LambdaConfigType{KMSKeyID: s("kms"), CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{LambdaArn: s(foreign), LambdaVersion: "V1_0"}, UserMigration: s(define)},
		set:     []string{rp.OpUserMigration},
	}} {
		t.Run(c.name, func(t *testing.T) {
			var before types.LambdaConfigType
			if c.current != nil {
				before = *c.current
			}
			p := pooltriggers.PlanAttach(c.current, c.want, c.previous)
			if !reflect.DeepEqual(p.Refused, c.refused) {
				t.Fatalf("Refused = %+v, want %+v", p.Refused, c.refused)
			}
			if c.current != nil && !reflect.DeepEqual(*c.current, before) {
				t.Fatalf("the current config was changed: %+v", *c.current)
			}
			if c.refused != nil {
				if p.Changed {
					t.Fatal("a refused plan says Changed")
				}
				return
			}
			if !reflect.DeepEqual(p.Next, c.next) {
				t.Errorf("Next = %s\nwant   %s", show(p.Next), show(c.next))
			}
			if !reflect.DeepEqual(p.Set, c.set) || !reflect.DeepEqual(p.Released, c.released) || !reflect.DeepEqual(p.Left, c.left) {
				t.Errorf("Set %q Released %q Left %q, want %q %q %q", p.Set, p.Released, p.Left, c.set, c.released, c.left)
			}
			if want := len(c.set)+len(c.released) > 0; p.Changed != want {
				t.Errorf("Changed = %v, want %v", p.Changed, want)
			}
		})
	}
}

func TestPlanDetach(t *testing.T) {
	s := aws.String
	ours := []rp.Trigger{tr(rp.OpDefineAuthChallenge, define), tr(rp.OpCreateAuthChallenge, create), tr(rp.OpPreTokenGeneration, guard)}
	for _, c := range []struct {
		name     string
		current  *types.LambdaConfigType
		next     types.LambdaConfigType
		released []string
		left     []string
	}{{
		name:     "our slots are emptied, the unrelated one stays",
		current:  &types.LambdaConfigType{PostConfirmation: s(postConf), DefineAuthChallenge: s(define), CreateAuthChallenge: s(create), PreTokenGeneration: s(guard), PreTokenGenerationConfig: ptg(guard, "V2_0")},
		next:     types.LambdaConfigType{PostConfirmation: s(postConf)},
		released: []string{rp.OpDefineAuthChallenge, rp.OpCreateAuthChallenge, rp.OpPreTokenGeneration},
	}, {
		name:     "a slot someone else took since is left alone",
		current:  &types.LambdaConfigType{DefineAuthChallenge: s(foreign), CreateAuthChallenge: s(create)},
		next:     types.LambdaConfigType{DefineAuthChallenge: s(foreign)},
		released: []string{rp.OpCreateAuthChallenge},
		left:     []string{rp.OpDefineAuthChallenge},
	}, {
		name:    "nothing of ours left",
		current: &types.LambdaConfigType{PostConfirmation: s(postConf)},
		next:    types.LambdaConfigType{PostConfirmation: s(postConf)},
	}, {
		name:    "nil LambdaConfig",
		current: nil,
	}} {
		t.Run(c.name, func(t *testing.T) {
			p := pooltriggers.PlanDetach(c.current, ours)
			if !reflect.DeepEqual(p.Next, c.next) {
				t.Errorf("Next = %s\nwant   %s", show(p.Next), show(c.next))
			}
			if !reflect.DeepEqual(p.Released, c.released) || !reflect.DeepEqual(p.Left, c.left) {
				t.Errorf("Released %q Left %q, want %q %q", p.Released, p.Left, c.released, c.left)
			}
			if p.Changed != (len(c.released) > 0) {
				t.Errorf("Changed = %v", p.Changed)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := rp.Properties{UserPoolID: "eu-west-1_AbC123", Triggers: []rp.Trigger{
		tr(rp.OpDefineAuthChallenge, define),
		{Operation: rp.OpPreTokenGeneration, LambdaArn: guard + ":live", LambdaVersion: "V3_0"},
	}}
	if err := pooltriggers.Validate(ok); err != nil {
		t.Fatal(err)
	}
	if err := pooltriggers.Validate(rp.Properties{UserPoolID: "eu-west-1_AbC123"}); err != nil {
		t.Fatalf("no triggers: %v", err)
	}
	for _, c := range []struct {
		props rp.Properties
		want  string
	}{
		{rp.Properties{UserPoolID: ""}, `expected UserPoolId to be a user pool id such as eu-west-1_AbC123, received ""`},
		{rp.Properties{UserPoolID: "eu-west-1_x", Triggers: []rp.Trigger{tr("preSignUp", define)}}, `expected Triggers[0].Operation to be one of`},
		{rp.Properties{UserPoolID: "eu-west-1_x", Triggers: []rp.Trigger{tr("CustomSMSSender", define)}}, `received "CustomSMSSender"`},
		{rp.Properties{UserPoolID: "eu-west-1_x", Triggers: []rp.Trigger{tr(rp.OpPreSignUp, define), tr(rp.OpPreSignUp, create)}}, "received PreSignUp twice"},
		{rp.Properties{UserPoolID: "eu-west-1_x", Triggers: []rp.Trigger{tr(rp.OpPreSignUp, "arn:aws:iam::123456789012:role/x")}}, "expected Triggers[0].LambdaArn to be a Lambda function ARN"},
		{rp.Properties{UserPoolID: "eu-west-1_x", Triggers: []rp.Trigger{{Operation: rp.OpPreSignUp, LambdaArn: define, LambdaVersion: "V2_0"}}}, `expected Triggers[0].LambdaVersion only for PreTokenGeneration, received "V2_0" for PreSignUp`},
		{rp.Properties{UserPoolID: "eu-west-1_x", Triggers: []rp.Trigger{{Operation: rp.OpPreTokenGeneration, LambdaArn: guard, LambdaVersion: "V9_0"}}}, `expected Triggers[0].LambdaVersion to be one of ["V1_0" "V2_0" "V3_0"], received "V9_0"`},
	} {
		err := pooltriggers.Validate(c.props)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want %q", c.props, err, c.want)
		}
	}
}

func show(c types.LambdaConfigType) string {
	b, _ := json.Marshal(c)
	return string(b)
}
