// Command biopass-mfa synthesizes the biopass-mfa sample app (see apps/stacks).
package main

import "github.com/cognitobridge/cognitobridge/apps/stacks"

func main() { stacks.Synth(stacks.NewBiopassMFAStack, stacks.BiopassMFAStackID) }
