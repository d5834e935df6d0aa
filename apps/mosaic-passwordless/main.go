// Command mosaic-passwordless synthesizes the mosaic-passwordless sample app (see apps/stacks).
package main

import "github.com/cognitobridge/cognitobridge/apps/stacks"

func main() { stacks.Synth(stacks.NewMosaicPasswordlessStack, stacks.MosaicPasswordlessStackID) }
