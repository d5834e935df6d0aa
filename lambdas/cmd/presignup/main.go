// Command presignup is the one pre sign-up trigger of a user pool: it runs
// the behaviours named in contract.EnvPreSignUpBehaviours (see packages
// presignup, linking and proofing). It only wires configuration, the
// clients and the handler; the configuration is read once and a bad one
// stops the start.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/usercap"
	"github.com/cognitobridge/cognitobridge/lambdas/linking"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
)

func main() {
	cfg := boot.Must(presignup.ConfigFromEnv(os.Getenv))
	boot.LogRefs()
	h := presignup.New(boot.Must(presignup.Build(cfg, map[string]presignup.Factory{
		contract.BehaviourLinking:  newLinking,
		contract.BehaviourProofing: newProofing,
	}))...)
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}

// newLinking builds the linking behaviour; its errors stop the start.
func newLinking() (presignup.Behaviour, error) {
	lc, err := linking.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := boot.LoadAWS()
	if err != nil {
		return nil, err
	}
	b, err := linking.New(cognitoidentityprovider.NewFromConfig(awsCfg), lc)
	if err != nil {
		return nil, err
	}
	b.Logger = boot.Logger
	return b, nil
}

// newProofing builds the proofing behaviour; its errors stop the start.
func newProofing() (presignup.Behaviour, error) {
	pc, err := proofing.BehaviourConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := boot.LoadAWS()
	if err != nil {
		return nil, err
	}
	secret, err := proofing.SecretFromEnv(os.Getenv, secretsmanager.NewFromConfig(awsCfg))
	if err != nil {
		return nil, err
	}
	idv, err := proofing.BlockIDFromEnv(os.Getenv, secret)
	if err != nil {
		return nil, err
	}
	capCfg, err := proofing.CapConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(awsCfg)
	b, err := proofing.NewBehaviour(idv, &proofing.Store{API: db, Table: pc.Table}, pc)
	if err != nil {
		return nil, err
	}
	// Each user name's proofing starts are counted in the proofing table.
	if b.Cap, err = usercap.New(db, pc.Table, contract.UserCapKindProofing, capCfg.Max, capCfg.Window); err != nil {
		return nil, err
	}
	b.Logger = boot.Logger
	return b, nil
}
