// Command transaction-stepup synthesizes the transaction-stepup sample app
// (see apps/stacks).
package main

import "github.com/cognitobridge/cognitobridge/apps/stacks"

func main() { stacks.Synth(stacks.NewTransactionStepUpStack, stacks.TransactionStepUpStackID) }
