// Command shared-pool synthesizes the shared-pool sample app: one user pool
// with several app clients and capabilities (see apps/stacks).
package main

import "github.com/cognitobridge/cognitobridge/apps/stacks"

func main() { stacks.Synth(stacks.NewSharedPoolStack, stacks.SharedPoolStackID) }
