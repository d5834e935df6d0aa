// Command blockid-stepup synthesizes the blockid-stepup sample app (see apps/stacks).
package main

import "github.com/cognitobridge/cognitobridge/apps/stacks"

func main() { stacks.Synth(stacks.NewBlockIDStepUpStack, stacks.BlockIDStepUpStackID) }
