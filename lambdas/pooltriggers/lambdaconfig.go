package pooltriggers

import (
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	rp "github.com/cognitobridge/cognitobridge/lambdas/pooltriggers/resourceprops"
)

// slot reads and writes one trigger of a LambdaConfigType. Writers replace
// pointers and never write through them, so a shallow copy of the config
// can be changed without touching the original.
type slot struct {
	// holders are the non-empty ARNs the slot holds (two fields for pre
	// token generation, which Cognito keeps in a legacy and a versioned
	// field).
	holders func(*types.LambdaConfigType) []string
	// holds reports whether the slot holds exactly arn with version.
	holds func(c *types.LambdaConfigType, arn, version string) bool
	set   func(c *types.LambdaConfigType, arn, version string)
	// clear empties the fields that hold arn and reports whether any did.
	clear func(c *types.LambdaConfigType, arn string) bool
}

// plain is the slot of a trigger kept in one *string field.
func plain(field func(*types.LambdaConfigType) **string) slot {
	return slot{
		holders: func(c *types.LambdaConfigType) []string {
			if v := aws.ToString(*field(c)); v != "" {
				return []string{v}
			}
			return nil
		},
		holds: func(c *types.LambdaConfigType, arn, _ string) bool { return aws.ToString(*field(c)) == arn },
		set:   func(c *types.LambdaConfigType, arn, _ string) { *field(c) = aws.String(arn) },
		clear: func(c *types.LambdaConfigType, arn string) bool {
			if aws.ToString(*field(c)) != arn {
				return false
			}
			*field(c) = nil
			return true
		},
	}
}

// preTokenGeneration is the slot of OpPreTokenGeneration: the legacy
// PreTokenGeneration field and PreTokenGenerationConfig, whose ARN "must be
// identical" to the legacy one when both are set (Cognito API reference,
// LambdaConfigType).
var preTokenGeneration = slot{
	holders: func(c *types.LambdaConfigType) []string {
		var out []string
		if v := aws.ToString(c.PreTokenGeneration); v != "" {
			out = append(out, v)
		}
		if c.PreTokenGenerationConfig != nil {
			if v := aws.ToString(c.PreTokenGenerationConfig.LambdaArn); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	},
	holds: func(c *types.LambdaConfigType, arn, version string) bool {
		return aws.ToString(c.PreTokenGeneration) == arn && c.PreTokenGenerationConfig != nil &&
			aws.ToString(c.PreTokenGenerationConfig.LambdaArn) == arn &&
			string(c.PreTokenGenerationConfig.LambdaVersion) == version
	},
	set: func(c *types.LambdaConfigType, arn, version string) {
		c.PreTokenGeneration = aws.String(arn)
		c.PreTokenGenerationConfig = &types.PreTokenGenerationVersionConfigType{
			LambdaArn:     aws.String(arn),
			LambdaVersion: types.PreTokenGenerationLambdaVersionType(version),
		}
	},
	clear: func(c *types.LambdaConfigType, arn string) bool {
		changed := false
		if aws.ToString(c.PreTokenGeneration) == arn {
			c.PreTokenGeneration = nil
			changed = true
		}
		if c.PreTokenGenerationConfig != nil && aws.ToString(c.PreTokenGenerationConfig.LambdaArn) == arn {
			c.PreTokenGenerationConfig = nil
			changed = true
		}
		return changed
	},
}

// slots maps every supported operation to its slot.
var slots = map[string]slot{
	rp.OpPreSignUp:                   plain(func(c *types.LambdaConfigType) **string { return &c.PreSignUp }),
	rp.OpPreAuthentication:           plain(func(c *types.LambdaConfigType) **string { return &c.PreAuthentication }),
	rp.OpPostAuthentication:          plain(func(c *types.LambdaConfigType) **string { return &c.PostAuthentication }),
	rp.OpPostConfirmation:            plain(func(c *types.LambdaConfigType) **string { return &c.PostConfirmation }),
	rp.OpCustomMessage:               plain(func(c *types.LambdaConfigType) **string { return &c.CustomMessage }),
	rp.OpDefineAuthChallenge:         plain(func(c *types.LambdaConfigType) **string { return &c.DefineAuthChallenge }),
	rp.OpCreateAuthChallenge:         plain(func(c *types.LambdaConfigType) **string { return &c.CreateAuthChallenge }),
	rp.OpVerifyAuthChallengeResponse: plain(func(c *types.LambdaConfigType) **string { return &c.VerifyAuthChallengeResponse }),
	rp.OpUserMigration:               plain(func(c *types.LambdaConfigType) **string { return &c.UserMigration }),
	rp.OpPreTokenGeneration:          preTokenGeneration,
}

// Refusal says which trigger is taken, and by which function.
type Refusal struct {
	Operation string
	// Holder is the ARN of the function in the slot that is not ours.
	Holder string
}

// Plan is the outcome of PlanAttach or PlanDetach.
type Plan struct {
	// Next is the LambdaConfig to write back; meaningful when Changed.
	Next types.LambdaConfigType
	// Changed says whether UpdateUserPool is needed at all.
	Changed bool
	// Set are the operations written (attached, or their version changed).
	Set []string
	// Released are the operations emptied (ours, no longer wanted).
	Released []string
	// Left are the operations not emptied because another function holds
	// them now.
	Left []string
	// Refused is set when a wanted trigger is taken; nothing may be
	// written then.
	Refused *Refusal
}

// PlanAttach computes the LambdaConfig that holds the wanted triggers, from
// the pool's current one. previous are the triggers this resource attached
// before (an Update on the same pool): a slot holding our previous ARN is
// ours to replace, and a previous trigger that is no longer wanted is
// emptied when it still holds our ARN. Any other occupant of a wanted slot
// refuses the whole plan. want must have passed Validate.
func PlanAttach(current *types.LambdaConfigType, want, previous []rp.Trigger) Plan {
	var p Plan
	if current != nil {
		p.Next = *current
	}
	ours := map[string]string{} // operation → our previous ARN
	for _, t := range previous {
		ours[t.Operation] = t.LambdaArn
	}
	wanted := map[string]bool{}
	for _, t := range want {
		wanted[t.Operation] = true
		for _, h := range slots[t.Operation].holders(&p.Next) {
			if h != t.LambdaArn && h != ours[t.Operation] {
				return Plan{Refused: &Refusal{Operation: t.Operation, Holder: h}}
			}
		}
	}
	for _, t := range previous {
		s, ok := slots[t.Operation]
		if !ok || wanted[t.Operation] || t.LambdaArn == "" {
			continue
		}
		if s.clear(&p.Next, t.LambdaArn) {
			p.Released = append(p.Released, t.Operation)
		} else if len(s.holders(&p.Next)) > 0 {
			p.Left = append(p.Left, t.Operation)
		}
	}
	for _, t := range want {
		s := slots[t.Operation]
		version := versionOf(t)
		if s.holds(&p.Next, t.LambdaArn, version) {
			continue
		}
		s.set(&p.Next, t.LambdaArn, version)
		p.Set = append(p.Set, t.Operation)
	}
	p.Changed = len(p.Set)+len(p.Released) > 0
	return p
}

// PlanDetach computes the LambdaConfig without our triggers: each slot that
// still holds our ARN is emptied (the value before we attached, since
// PlanAttach refuses taken slots); a slot another function holds now is
// left as it is.
func PlanDetach(current *types.LambdaConfigType, ours []rp.Trigger) Plan {
	var p Plan
	if current != nil {
		p.Next = *current
	}
	for _, t := range ours {
		s, ok := slots[t.Operation]
		if !ok || t.LambdaArn == "" {
			continue
		}
		if s.clear(&p.Next, t.LambdaArn) {
			p.Released = append(p.Released, t.Operation)
		} else if len(s.holders(&p.Next)) > 0 {
			p.Left = append(p.Left, t.Operation)
		}
	}
	p.Changed = len(p.Released) > 0
	return p
}

func versionOf(t rp.Trigger) string {
	if t.Operation != rp.OpPreTokenGeneration {
		return ""
	}
	if t.LambdaVersion == "" {
		return rp.DefaultLambdaVersion
	}
	return t.LambdaVersion
}

// Validate checks the properties of one request.
func Validate(p rp.Properties) error {
	if !poolID.MatchString(p.UserPoolID) {
		return fmt.Errorf("expected %s to be a user pool id such as eu-west-1_AbC123, received %q", rp.UserPoolID, clip(p.UserPoolID))
	}
	seen := map[string]bool{}
	for i, t := range p.Triggers {
		field := fmt.Sprintf("%s[%d]", rp.Triggers, i)
		if _, ok := slots[t.Operation]; !ok {
			return fmt.Errorf("expected %s.%s to be one of %q, received %q", field, rp.Operation, rp.Operations, clip(t.Operation))
		}
		if seen[t.Operation] {
			return fmt.Errorf("expected each operation once (Cognito allows one function per trigger), received %s twice", t.Operation)
		}
		seen[t.Operation] = true
		if !lambdaARN.MatchString(t.LambdaArn) {
			return fmt.Errorf("expected %s.%s to be a Lambda function ARN, received %q", field, rp.LambdaArn, clip(t.LambdaArn))
		}
		if t.LambdaVersion != "" {
			if t.Operation != rp.OpPreTokenGeneration {
				return fmt.Errorf("expected %s.%s only for %s, received %q for %s", field, rp.LambdaVersion, rp.OpPreTokenGeneration, clip(t.LambdaVersion), t.Operation)
			}
			if !slices.Contains(rp.LambdaVersions, t.LambdaVersion) {
				return fmt.Errorf("expected %s.%s to be one of %q, received %q", field, rp.LambdaVersion, rp.LambdaVersions, clip(t.LambdaVersion))
			}
		}
	}
	return nil
}
