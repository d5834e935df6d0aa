// Command identity-proofing synthesizes the identity-proofing sample app (see apps/stacks).
package main

import "github.com/cognitobridge/cognitobridge/apps/stacks"

func main() { stacks.Synth(stacks.NewIdentityProofingStack, stacks.IdentityProofingStackID) }
