// Command presignup is the one pre sign-up trigger of a user pool: it runs
// the behaviours named in contract.EnvPreSignUpBehaviours (see packages
// presignup, linking and proofing). It only wires configuration, the
// clients and the handler; the configuration is read once and a bad one
// stops the start.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/linking"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	fail := func(msg string, err error) {
		logger.Error(msg, "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := presignup.ConfigFromEnv(os.Getenv)
	if err != nil {
		fail("configuration invalid", err)
	}
	behaviours, err := presignup.Build(cfg, map[string]presignup.Factory{
		contract.BehaviourLinking: func() (presignup.Behaviour, error) {
			lc, err := linking.ConfigFromEnv(os.Getenv)
			if err != nil {
				return nil, err
			}
			awsCfg, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				return nil, err
			}
			b, err := linking.New(cognitoidentityprovider.NewFromConfig(awsCfg), lc)
			if err != nil {
				return nil, err
			}
			b.Logger = logger
			return b, nil
		},
		contract.BehaviourProofing: func() (presignup.Behaviour, error) {
			pc, err := proofing.BehaviourConfigFromEnv(os.Getenv)
			if err != nil {
				return nil, err
			}
			awsCfg, err := config.LoadDefaultConfig(context.Background())
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
			b, err := proofing.NewBehaviour(idv, &proofing.Store{API: dynamodb.NewFromConfig(awsCfg), Table: pc.Table}, pc)
			if err != nil {
				return nil, err
			}
			b.Logger = logger
			return b, nil
		},
	})
	if err != nil {
		fail("configuration invalid", err)
	}
	h := presignup.New(behaviours...)
	h.Logger = logger
	lambda.Start(h.Handle)
}
