package lambdarun_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/lambdarun"
	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

// reasons returns the "reason" of every JSON log line in out.
func reasons(out string) []string {
	var rs []string
	for _, line := range strings.Split(out, "\n") {
		var rec struct {
			Reason string `json:"reason"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Reason != "" {
			rs = append(rs, rec.Reason)
		}
	}
	return rs
}

func TestBlockIDStepUpTriggers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the handlers and starts moto_server")
	}
	moto := motoserver.Start(t) // skipped without moto_server, fatal when CI=true
	path := filepath.Join("..", "..", "testdata", "blockid-stepup.template.json")
	pool, err := template.Load(path, template.Options{Parameters: map[string]string{
		"ClientId": "blockid-client", "ClientSecret": "blockid-secret", "Community": "default", "TenantDns": "tenant.example.test",
	}})
	if err != nil {
		t.Fatal(err)
	}
	var log syncbuf.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	provider, _ := json.Marshal(contract.ProviderSecret{ClientSecret: "caller-secret", ClientID: "blockid-client", TenantDNS: "tenant.example.test", Community: "default"})
	r, err := lambdarun.Start(ctx, pool, lambdarun.Options{
		MotoEndpoint: moto,
		SecretValues: map[string]string{"StepUpProviderSecretCEFFD3EF": string(provider)},
		Logs:         &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
		for _, s := range []string{"caller-secret", "blockid-secret"} {
			if strings.Contains(log.String(), s) {
				t.Errorf("a secret value reached the runner's log")
			}
		}
		if t.Failed() {
			t.Logf("runner log:\n%s", log.String())
		}
	})
	var _ localcognito.Triggers = r
	for _, slot := range []localcognito.Slot{localcognito.SlotDefineAuthChallenge, localcognito.SlotCreateAuthChallenge, localcognito.SlotVerifyAuthChallenge, localcognito.SlotPreTokenGeneration} {
		if !r.Has(slot) {
			t.Errorf("no %s", slot)
		}
	}
	if r.Has(localcognito.SlotPreSignUp) {
		t.Error("a pre sign-up trigger the template does not have")
	}
	if len(r.Functions()) != 4 {
		t.Errorf("functions %+v", r.Functions())
	}
	clientID := pool.Config.Clients[0].ID
	header := func(trigger, client string) localcognito.EventHeader {
		return localcognito.EventHeader{Version: "1", TriggerSource: trigger, Region: pool.Region, UserPoolID: pool.Config.PoolID,
			UserName: "alice", CallerContext: localcognito.CallerContext{AWSSDKVersion: "aws-sdk-js-3.0.0", ClientID: client}}
	}
	// preToken is the version 2 pre token generation event of alice's
	// sign-in through client.
	var preTokenOf func(trigger, client string) []byte
	preToken := func(client string) []byte { return preTokenOf("TokenGeneration_Authentication", client) }
	preTokenOf = func(trigger, client string) []byte {
		var ev localcognito.PreTokenGenerationEventV2
		ev.EventHeader = header(trigger, client)
		ev.Version = "2"
		ev.Request.UserAttributes = map[string]string{"sub": "0b6e2a3c-0000-4000-8000-000000000001", "email": "alice@example.com"}
		ev.Request.GroupConfiguration.GroupsToOverride = []string{}
		ev.Request.GroupConfiguration.IAMRolesToOverride = []string{}
		ev.Request.Scopes = []string{"openid"}
		in, _ := json.Marshal(ev)
		return in
	}

	// passesWithoutClaims checks that the guard lets a pre token generation
	// event of client pass, adds no access token claims (else the error says
	// added) and logs reason last.
	passesWithoutClaims := func(t *testing.T, client, reason, added string) {
		t.Helper()
		out, err := r.Invoke(ctx, localcognito.SlotPreTokenGeneration, preToken(client))
		if err != nil {
			t.Fatalf("%v\n%s", err, r.Logs(localcognito.SlotPreTokenGeneration))
		}
		var got localcognito.PreTokenGenerationEventV2
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if got.Response.ClaimsAndScopeOverrideDetails != nil && got.Response.ClaimsAndScopeOverrideDetails.AccessTokenGeneration != nil {
			t.Errorf("%s: %+v", added, got.Response.ClaimsAndScopeOverrideDetails.AccessTokenGeneration)
		}
		if rs := reasons(r.Logs(localcognito.SlotPreTokenGeneration)); len(rs) == 0 || rs[len(rs)-1] != reason {
			t.Errorf("guard reasons %q, want %s last", rs, reason)
		}
	}

	t.Run("Define: SRP_A is answered with PASSWORD_VERIFIER", func(t *testing.T) {
		var d localcognito.DefineAuthChallengeEvent
		d.EventHeader = header("DefineAuthChallenge_Authentication", clientID)
		d.Request.UserAttributes = map[string]string{"sub": "0b6e2a3c-0000-4000-8000-000000000001", "email": "alice@example.com", "email_verified": "true"}
		d.Request.Session = []localcognito.SessionEntry{{ChallengeName: "SRP_A", ChallengeResult: true}}
		in, _ := json.Marshal(d)
		out, err := r.Invoke(ctx, localcognito.SlotDefineAuthChallenge, in)
		if err != nil {
			t.Fatalf("%v\n%s", err, r.Logs(localcognito.SlotDefineAuthChallenge))
		}
		var got localcognito.DefineAuthChallengeEvent
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if got.Response.ChallengeName != "PASSWORD_VERIFIER" || got.Response.IssueTokens || got.Response.FailAuthentication {
			t.Errorf("response %+v", got.Response)
		}
		if rs := reasons(r.Logs(localcognito.SlotDefineAuthChallenge)); len(rs) == 0 || rs[len(rs)-1] != "next_password_verifier" {
			t.Errorf("Define reasons %q", rs)
		}
	})

	t.Run("guard: an unprotected client passes untouched", func(t *testing.T) {
		passesWithoutClaims(t, "0unprotected00000000000000", "unprotected_client", "claims added for an unprotected client")
	})

	// The created client signs in with CUSTOM_AUTH only (the template's
	// protected-clients parameter marks it): an issuance without a binding
	// value there is a GetTokensFromRefreshToken refresh, which Cognito
	// reports as TokenGeneration_Authentication; it passes, without claims.
	t.Run("guard: a refresh through GetTokensFromRefreshToken passes without claims", func(t *testing.T) {
		passesWithoutClaims(t, clientID, "ok_custom_auth_only", "step-up claims on a refresh")
	})

	t.Run("guard: the protected client without a step-up fails the trigger", func(t *testing.T) {
		_, err := r.Invoke(ctx, localcognito.SlotPreTokenGeneration, preTokenOf("TokenGeneration_HostedAuth", clientID))
		if !errors.Is(err, localcognito.ErrTriggerFailed) {
			t.Fatalf("error %v\n%s", err, r.Logs(localcognito.SlotPreTokenGeneration))
		}
		if rs := reasons(r.Logs(localcognito.SlotPreTokenGeneration)); len(rs) == 0 || rs[len(rs)-1] != "binding_missing" {
			t.Errorf("guard reasons %q, want binding_missing last", rs)
		}
	})

	t.Run("an unknown slot is a runner error, not a trigger failure", func(t *testing.T) {
		_, err := r.Invoke(ctx, localcognito.SlotUserMigration, []byte(`{}`))
		if err == nil || errors.Is(err, localcognito.ErrTriggerFailed) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestSecretWithoutValueFailsStart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	moto := motoserver.Start(t)
	path := filepath.Join("..", "..", "testdata", "blockid-stepup.template.json")
	// Without ClientSecret the provider secret's SecretString does not
	// resolve; an override stands in for nothing the secret needs.
	pool, err := template.Load(path, template.Options{Parameters: map[string]string{"ClientId": "c", "Community": "d", "TenantDns": "t.example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := lambdarun.Start(context.Background(), pool, lambdarun.Options{MotoEndpoint: moto, BinDir: t.TempDir()})
	if err == nil {
		_ = r.Close()
		t.Fatal("started without the provider secret's value")
	}
	if !strings.Contains(err.Error(), `Options.SecretValues["StepUpProviderSecretCEFFD3EF"]`) {
		t.Errorf("error %v", err)
	}
	// With the value, the next failure is the missing binaries of BinDir.
	_, err = lambdarun.Start(context.Background(), pool, lambdarun.Options{MotoEndpoint: moto, BinDir: t.TempDir(),
		SecretValues: map[string]string{"StepUpProviderSecretCEFFD3EF": `{"clientSecret":"x"}`}})
	if err == nil || !strings.Contains(err.Error(), "binary stepup-") {
		t.Errorf("error %v", err)
	}
}
