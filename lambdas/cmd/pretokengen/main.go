// Command pretokengen is the one pre token generation trigger of a user
// pool: it runs the behaviours named in contract.EnvPreTokenBehaviours (see
// packages pretokengen, guard and assurance). It only wires configuration,
// the clients and the handler; a bad configuration stops the start.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognitobridge/cognitobridge/lambdas/assurance"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/guard"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/pretokengen"
)

func main() {
	names := boot.Must(pretokengen.ConfigFromEnv(os.Getenv))
	boot.LogRefs()
	h := pretokengen.New(boot.Must(pretokengen.Build(names, map[string]pretokengen.Factory{
		contract.BehaviourStepUpGuard: newGuard,
		contract.BehaviourAssurance:   newAssurance,
	}))...)
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}

// newGuard builds the step-up guard behaviour; its errors stop the start.
func newGuard() (pretokengen.Behaviour, error) {
	cfg, err := guard.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := boot.LoadAWS()
	if err != nil {
		return nil, err
	}
	g := guard.New(steprecord.New(dynamodb.NewFromConfig(awsCfg), cfg.Table, cfg.Window), cfg.Window)
	g.Reasons, g.Policy = cfg.Reasons, cfg.Policy
	if cfg.ProtectedClientsParameter != "" {
		g.Protected = guard.NewParameterClients(ssm.NewFromConfig(awsCfg), cfg.ProtectedClientsParameter, cfg.ProtectedClientsTTL)
	}
	g.Logger = boot.Logger
	return g, nil
}

// newAssurance builds the assurance behaviour; its errors stop the start.
func newAssurance() (pretokengen.Behaviour, error) {
	cfg, err := assurance.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := boot.LoadAWS()
	if err != nil {
		return nil, err
	}
	return assurance.New(cognitoidentityprovider.NewFromConfig(awsCfg), cfg)
}
