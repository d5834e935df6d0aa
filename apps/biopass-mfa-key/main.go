// Command biopass-mfa-key synthesizes the biopass-mfa sample with client
// authentication by a KMS key (private_key_jwt; see apps/stacks).
package main

import "github.com/cognitobridge/cognitobridge/apps/stacks"

func main() { stacks.Synth(stacks.NewBiopassMFAKeyStack, stacks.BiopassMFAKeyStackID) }
