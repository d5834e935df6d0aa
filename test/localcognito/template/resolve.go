package template

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// resource is one entry of the template's Resources.
type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

// parameter is one entry of the template's Parameters.
type parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
	NoEcho  any    `json:"NoEcho"`
}

// resolver turns CloudFormation values (literals and intrinsic functions)
// into strings, deterministically, as the local stack would deploy them.
type resolver struct {
	region, account, partition, stack string
	poolName                          string
	params                            map[string]parameter
	paramValues                       map[string]string
	resources                         map[string]resource
}

// ErrUnresolvable is wrapped by every error of a value the resolver cannot
// turn into a string.
var ErrUnresolvable = fmt.Errorf("unresolvable")

func unresolvable(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUnresolvable, fmt.Sprintf(format, a...))
}

// str resolves v to a string.
func (r *resolver) str(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return trimFloat(x), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case map[string]any:
		if len(x) != 1 {
			return "", unresolvable("an object that is not one intrinsic function (%d keys)", len(x))
		}
		for fn, arg := range x {
			switch fn {
			case "Ref":
				name, ok := arg.(string)
				if !ok {
					return "", unresolvable("Ref of a non-string")
				}
				return r.ref(name)
			case "Fn::GetAtt":
				res, attr, err := getAttArgs(arg)
				if err != nil {
					return "", err
				}
				return r.getAtt(res, attr)
			case "Fn::Join":
				return r.join(arg)
			case "Fn::Sub":
				return r.sub(arg)
			default:
				return "", unresolvable("intrinsic function %s is not supported", fn)
			}
		}
	case nil:
		return "", unresolvable("null value")
	}
	return "", unresolvable("a value of type %T", v)
}

// strList resolves a list of strings (each element may be an intrinsic).
func (r *resolver) strList(v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, unresolvable("expected a list, got %T", v)
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, err := r.str(e)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func trimFloat(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprint(int64(f))
	}
	return fmt.Sprint(f)
}

func getAttArgs(arg any) (res, attr string, err error) {
	switch a := arg.(type) {
	case []any:
		if len(a) == 2 {
			res, ok1 := a[0].(string)
			attr, ok2 := a[1].(string)
			if ok1 && ok2 {
				return res, attr, nil
			}
		}
	case string: // the short form "Resource.Attribute"
		if res, attr, ok := strings.Cut(a, "."); ok {
			return res, attr, nil
		}
	}
	return "", "", unresolvable("malformed Fn::GetAtt %v", arg)
}

// pseudo returns a pseudo parameter's value.
func (r *resolver) pseudo(name string) (string, bool) {
	switch name {
	case "AWS::Region":
		return r.region, true
	case "AWS::AccountId":
		return r.account, true
	case "AWS::Partition":
		return r.partition, true
	case "AWS::StackName":
		return r.stack, true
	case "AWS::URLSuffix":
		return "amazonaws.com", true
	case "AWS::StackId":
		return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", r.partition, r.region, r.account, r.stack, fakeUUID(r.stack)), true
	}
	return "", false
}

func (r *resolver) ref(name string) (string, error) {
	if v, ok := r.pseudo(name); ok {
		return v, nil
	}
	if p, ok := r.params[name]; ok {
		if v, ok := r.paramValues[name]; ok {
			return v, nil
		}
		if p.Default != nil {
			if s, err := r.str(p.Default); err == nil {
				return s, nil
			}
		}
		return "", unresolvable("stack parameter %s has no value (set Options.Parameters[%q])", name, name)
	}
	res, ok := r.resources[name]
	if !ok {
		return "", unresolvable("Ref to %s, neither a parameter nor a resource of the template", name)
	}
	switch res.Type {
	case "AWS::DynamoDB::Table":
		return r.tableName(name, res), nil
	case "AWS::SecretsManager::Secret":
		return r.secretARN(name, res), nil
	case "AWS::SSM::Parameter":
		return r.ssmName(name, res)
	case "AWS::Cognito::UserPool":
		return r.poolID(), nil
	case "AWS::Cognito::UserPoolClient":
		return ClientID(r.stack, name), nil
	case "AWS::Cognito::UserPoolIdentityProvider":
		return r.providerName(name, res)
	case "AWS::Lambda::Function":
		return r.functionName(name, res), nil
	case "AWS::ApiGatewayV2::Api":
		return r.apiID(name), nil
	case "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Route":
		return r.apiChildID(name), nil
	case "AWS::ApiGatewayV2::Stage":
		return r.str(res.Properties["StageName"])
	}
	return "", unresolvable("Ref to %s of type %s is not supported", name, res.Type)
}

func (r *resolver) getAtt(name, attr string) (string, error) {
	res, ok := r.resources[name]
	if !ok {
		return "", unresolvable("Fn::GetAtt of %s, not a resource of the template", name)
	}
	switch res.Type + "." + attr {
	case "AWS::DynamoDB::Table.Arn":
		return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", r.partition, r.region, r.account, r.tableName(name, res)), nil
	case "AWS::SecretsManager::Secret.Id":
		return r.secretARN(name, res), nil
	case "AWS::SSM::Parameter.Type":
		return r.str(res.Properties["Type"])
	case "AWS::SSM::Parameter.Value":
		return r.str(res.Properties["Value"])
	case "AWS::Cognito::UserPool.Arn":
		return fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", r.partition, r.region, r.account, r.poolID()), nil
	case "AWS::Cognito::UserPool.ProviderName":
		return fmt.Sprintf("cognito-idp.%s.amazonaws.com/%s", r.region, r.poolID()), nil
	case "AWS::Cognito::UserPool.ProviderURL":
		return fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", r.region, r.poolID()), nil
	case "AWS::Cognito::UserPool.UserPoolId":
		return r.poolID(), nil
	case "AWS::Cognito::UserPoolClient.ClientId":
		return ClientID(r.stack, name), nil
	case "AWS::Lambda::Function.Arn":
		return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", r.partition, r.region, r.account, r.functionName(name, res)), nil
	case "AWS::ApiGatewayV2::Api.ApiEndpoint":
		return fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", r.apiID(name), r.region), nil
	case "AWS::ApiGatewayV2::Api.ApiId":
		return r.apiID(name), nil
	}
	return "", unresolvable("Fn::GetAtt %s.%s (type %s) is not supported", name, attr, res.Type)
}

func (r *resolver) join(arg any) (string, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 2 {
		return "", unresolvable("malformed Fn::Join")
	}
	sep, ok := a[0].(string)
	if !ok {
		return "", unresolvable("Fn::Join with a non-string separator")
	}
	parts, err := r.strList(a[1])
	if err != nil {
		return "", fmt.Errorf("Fn::Join: %w", err)
	}
	return strings.Join(parts, sep), nil
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *resolver) sub(arg any) (string, error) {
	var tmpl string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return "", unresolvable("malformed Fn::Sub")
		}
		s, ok := a[0].(string)
		m, ok2 := a[1].(map[string]any)
		if !ok || !ok2 {
			return "", unresolvable("malformed Fn::Sub")
		}
		tmpl, vars = s, m
	default:
		return "", unresolvable("malformed Fn::Sub")
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") { // ${!Literal}
			return "${" + name[1:] + "}"
		}
		var s string
		var err error
		if v, ok := vars[name]; ok {
			s, err = r.str(v)
		} else if res, attr, ok := strings.Cut(name, "."); ok {
			s, err = r.getAtt(res, attr)
		} else {
			s, err = r.ref(name)
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("Fn::Sub ${%s}: %w", name, err)
		}
		return s
	})
	if firstErr != nil {
		return "", firstErr
	}
	return out, nil
}

// Deterministic names of the local stack's resources.

func (r *resolver) tableName(logicalID string, res resource) string {
	if s, ok := res.Properties["TableName"].(string); ok && s != "" {
		return s
	}
	return r.stack + "-" + logicalID
}

func (r *resolver) secretName(logicalID string, res resource) string {
	if s, ok := res.Properties["Name"].(string); ok && s != "" {
		return s
	}
	return r.stack + "/" + logicalID
}

// secretARN is a partial ARN (no random suffix): Secrets Manager (and moto)
// find a secret by it.
func (r *resolver) secretARN(logicalID string, res resource) string {
	return fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s", r.partition, r.region, r.account, r.secretName(logicalID, res))
}

func (r *resolver) ssmName(logicalID string, res resource) (string, error) {
	if v, ok := res.Properties["Name"]; ok {
		return r.str(v)
	}
	return "CFN-" + logicalID, nil
}

func (r *resolver) providerName(logicalID string, res resource) (string, error) {
	v, ok := res.Properties["ProviderName"]
	if !ok {
		return "", unresolvable("identity provider %s has no ProviderName", logicalID)
	}
	return r.str(v)
}

func (r *resolver) functionName(logicalID string, res resource) string {
	if s, ok := res.Properties["FunctionName"].(string); ok && s != "" {
		return s
	}
	return r.stack + "-" + logicalID
}

func (r *resolver) apiID(logicalID string) string {
	return base36(r.stack+"/"+logicalID, 10)
}

// apiChildID is the id of an API's route, integration or authorizer: 7
// characters [a-z0-9], like API Gateway's.
func (r *resolver) apiChildID(logicalID string) string {
	return base36(r.stack+"/"+logicalID, 7)
}

func (r *resolver) poolID() string { return r.region + "_" + r.poolName }

// ClientID is the deterministic fake app client id of the client logicalID
// of stack: 26 characters [a-z0-9], like Cognito's.
func ClientID(stack, logicalID string) string {
	return base36("client\x00"+stack+"\x00"+logicalID, 26)
}

// PoolName is the deterministic pool name (the part of the pool id after
// "_") of the pool logicalID of stack: 9 characters [A-Za-z0-9], like
// Cognito's.
func PoolName(stack, logicalID string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte("pool\x00" + stack + "\x00" + logicalID))
	b := make([]byte, 9)
	for i := range b {
		b[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(b)
}

func base36(seed string, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte(seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[int(sum[i%len(sum)])%len(alphabet)]
	}
	return string(b)
}

func fakeUUID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	h := fmt.Sprintf("%x", sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
