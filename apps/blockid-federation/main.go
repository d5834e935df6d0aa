// Command blockid-federation synthesizes the blockid-federation sample app (see apps/stacks).
package main

import "github.com/cognitobridge/cognitobridge/apps/stacks"

func main() { stacks.Synth(stacks.NewBlockIDFederationStack, stacks.BlockIDFederationStackID) }
