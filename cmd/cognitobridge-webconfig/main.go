// Command cognitobridge-webconfig writes a sample page's config.json from
// a deployed stack's outputs, so the page in apps/<app>/web runs against
// the deployed pool instead of the local endpoint:
//
//	make deploy APP=blockid-stepup CDK_ARGS="--parameters ..."   (writes cdk.out/blockid-stepup/outputs.json)
//	make web-config APP=blockid-stepup [APP_URL=https://app.example.com]
//
// which runs
//
//	cognitobridge-webconfig -outputs cdk.out/<app>/outputs.json [-app-url URL] > apps/<app>/web/dist/config.json
//
// The outputs file is what `cdk deploy --outputs-file` writes (one object
// per stack); with several stacks in it, -stack names the one. No AWS call
// is made. Exit status: 0 written, 1 failed, 2 usage error.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/cognitobridge/cognitobridge/apps/webconfig"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cognitobridge-webconfig", flag.ContinueOnError)
	fs.SetOutput(stderr)
	outputs := fs.String("outputs", "", "the file `cdk deploy --outputs-file` wrote (required)")
	stack := fs.String("stack", "", "the stack in it (default: the only one)")
	appURL := fs.String("app-url", "", "where the page is served (the hosted sign-in's redirect URLs)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *outputs == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: cognitobridge-webconfig -outputs FILE [-stack NAME] [-app-url URL]")
		return 2
	}
	b, err := os.ReadFile(*outputs)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var all map[string]map[string]string
	if err := json.Unmarshal(b, &all); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *outputs, err)
		return 1
	}
	name := *stack
	if name == "" {
		if len(all) != 1 {
			names := make([]string, 0, len(all))
			for n := range all {
				names = append(names, n)
			}
			sort.Strings(names)
			fmt.Fprintf(stderr, "%s holds %d stacks %v: name one with -stack\n", *outputs, len(all), names)
			return 2
		}
		for n := range all {
			name = n
		}
	}
	out, ok := all[name]
	if !ok {
		fmt.Fprintf(stderr, "%s has no stack %q\n", *outputs, name)
		return 1
	}
	cfg, err := webconfig.FromOutputs(out, *appURL)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cfg); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
