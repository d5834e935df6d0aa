# cognitobridge: every target installs what it needs itself.
#   make synth   synthesize every sample app into cdk.out/<app> (no AWS account)
#   make test    all tests: unit, contract, integration against real peers,
#                golden snapshots, cdk-nag, real CDK CLI + cfn-lint
#   make unit    the fast subset (go test -short): no moto, browser, CDK
#                synth, cfn-lint, built binaries or long waits
#   make lint    gofmt, go mod tidy, go vet, staticcheck (pinned)
#   make bench   benchmarks, figures printed
#   make load    sign-ins under load and faults through the real handlers,
#                one line per scenario and fault (not part of make test;
#                a short smoke run of it is)
#   make deploy APP=<app> / make diff APP=<app>   for a real AWS account

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

APPS                := $(sort $(patsubst apps/%/main.go,%,$(wildcard apps/*/main.go)))
CDK_VERSION         := 2.1148.1
STATICCHECK_VERSION := v0.8.2

TOOLS := $(CURDIR)/.tools
CDK   := $(TOOLS)/node_modules/.bin/cdk
BIN   := $(CURDIR)/.bin

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export COGNITOBRIDGE_CDK := $(CDK)

CDK_FLAGS := --no-notices --no-version-reporting

.PHONY: all synth test unit lint bench load deploy diff tools deps clean client web browser demo screenshots web-config

all: synth

# The CDK CLI is pinned and lives in a dot-directory: a node_modules inside
# the Go module would break `go vet ./...` (aws-cdk ships .go templates).
$(CDK):
	mkdir -p $(TOOLS)
	[ -f $(TOOLS)/package.json ] || echo '{"private": true}' > $(TOOLS)/package.json
	cd $(TOOLS) && npm install --no-audit --no-fund --loglevel=error aws-cdk@$(CDK_VERSION)
	$(CDK) --version

tools: $(CDK)

deps:
	go mod download

$(BIN)/%: deps FORCE
	go build -o $@ ./apps/$*

FORCE:

# Each app is a Go binary that drives aws-cdk-lib in a node child (jsii).
# jsii-runtime-go v1.142.0 and later no longer print "Runtime process exited
# abnormally: waitid: no child processes" at exit, so stderr passes through
# untouched (test/consumer_test.go checks that a synth prints no such line).
synth: tools deps
	@echo "== building $(patsubst %,apps/%,$(APPS)) into .bin/ (go build; a cold build takes ~1 min)"
	@go build -o $(BIN)/ $(addprefix ./apps/,$(APPS))
	@for app in $(APPS); do \
		echo "== synthesizing $$app into cdk.out/$$app (jsii starts node; the first run on a machine unpacks aws-cdk-lib, ~1 min; cdk-nag runs inside)"; \
		$(CDK) synth $(CDK_FLAGS) --strict --quiet --app $(BIN)/$$app --output cdk.out/$$app; \
	done
	@echo "== templates:"; ls -1 cdk.out/*/*.template.json

# The browser module (client/) and the sample pages (apps/<app>/web, bundled
# with the pinned esbuild of client/). Its node_modules holds no .go file,
# so `go vet ./...` is unaffected (checked in client/test).
CLIENT_DEPS := client/node_modules/.package-lock.json
WEB_APPS    := $(sort $(patsubst apps/%/web/main.ts,%,$(wildcard apps/*/web/main.ts)))

$(CLIENT_DEPS): client/package.json client/package-lock.json
	@echo "== installing the browser module's pinned build tools (npm ci in client/)"
	cd client && npm ci --no-audit --no-fund --loglevel=error

client: $(CLIENT_DEPS)
	@echo "== building the browser module into client/dist (tsc, esbuild)"
	cd client && npm run --silent build

# A page's own index.html or page.css replaces the shared one of apps/web.
web: client
	@echo "== type-checking the sample pages (tsc --strict, apps/web/tsconfig.json)"
	@client/node_modules/.bin/tsc -p apps/web/tsconfig.json
	@for app in $(WEB_APPS); do \
		echo "== bundling apps/$$app/web into apps/$$app/web/dist (Amplify v6 + @cognitobridge/client)"; \
		mkdir -p apps/$$app/web/dist; \
		NODE_PATH=$(CURDIR)/client/node_modules client/node_modules/.bin/esbuild apps/$$app/web/main.ts \
			--bundle --format=esm --target=es2020 --log-level=warning \
			--alias:@cognitobridge/client=./client/src/index.ts --outfile=apps/$$app/web/dist/main.js; \
		cp apps/web/index.html apps/web/page.css apps/web/favicon.svg client/dist/callback.html client/dist/callback-page.js apps/$$app/web/dist/; \
		for f in index.html page.css; do [ ! -f apps/$$app/web/$$f ] || cp apps/$$app/web/$$f apps/$$app/web/dist/; done; \
	done

# Debian's chromium for the browser tests. Installed when missing and run as
# root (CI runs as root); otherwise the browser tests skip with one line
# saying how to enable them (in CI they fail).
browser:
	@if [ -n "$${COGNITOBRIDGE_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "== installing Chromium for the browser tests (apt-get install chromium, ~1 min)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "== no Chromium: the browser tests will skip (install Debian's chromium, or set COGNITOBRIDGE_CHROMIUM)"; fi

test: tools deps web browser
	@echo "== browser module unit tests (node --test over DOM fakes)"
	cd client && npm test --silent
	@echo "== go test ./... (unit, contract, golden, cdk-nag, CLI + cfn-lint, end-to-end, browser; ~10 min on 2 cores)"
	go test -count=1 -timeout 25m ./...
	@echo "== every benchmark once"
	# Every benchmark once, so a broken `make bench` fails the tests
	# (go test compiles benchmarks but never runs them).
	go test -count=1 -run '^$$' -bench . -benchtime 1x ./lambdas/... ./test/...

# Under -short every test that needs a peer (moto, Chromium, the CDK synth,
# cfn-lint, the zitadel OP), built binaries or long waits skips with one
# line saying so; what is left runs in well under a minute on 2 cores.
unit: deps
	@echo "== go test -short ./... (unit and contract tests; the rest skip with a reason)"
	@start=$$SECONDS; go test -short ./...; echo "== make unit: $$((SECONDS - start)) s"

lint: deps $(CLIENT_DEPS)
	cd client && npm run --silent format:check
	client/node_modules/.bin/tsc -p apps/web/tsconfig.json
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go mod tidy -diff
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

bench: deps
	go test -run '^$$' -bench . -benchmem -count 1 ./lambdas/... ./test/...

# Sign-ins under load, then faults, through the real handler binaries
# behind the local Lambda Runtime API, the local Cognito endpoint, the
# loopback provider and moto (test/load; docs/measured.md has the figures).
# LOAD_ARGS passes flags, e.g. LOAD_ARGS="-n 500 -c 8,32 -table 0,50000".
LOAD_ARGS ?=
load: deps
	@command -v moto_server >/dev/null 2>&1 || { echo "make load needs moto_server (pip install 'moto[server]')"; exit 2; }
	go run ./test/load $(LOAD_ARGS)

APP ?=
deploy diff: tools
	@[ -n "$(APP)" ] || { echo "usage: make $@ APP=<one of: $(APPS)>"; exit 2; }
	go build -o $(BIN)/$(APP) ./apps/$(APP)
	$(CDK) $@ $(CDK_FLAGS) --app $(BIN)/$(APP) --output cdk.out/$(APP) \
		$(if $(filter deploy,$@),--outputs-file cdk.out/$(APP)/outputs.json) $(CDK_ARGS)

# The sample page's config.json from the deployed stack's outputs (the file
# `make deploy` writes), so apps/<app>/web/dist runs against the real pool.
# APP_URL is where you serve the page (needed for a hosted sign-in).
web-config: web
	@[ -n "$(APP)" ] || { echo "usage: make web-config APP=<app> [APP_URL=https://...]"; exit 2; }
	go run ./cmd/cognitobridge-webconfig -outputs cdk.out/$(APP)/outputs.json $(if $(APP_URL),-app-url $(APP_URL)) > apps/$(APP)/web/dist/config.json.new
	mv apps/$(APP)/web/dist/config.json.new apps/$(APP)/web/dist/config.json
	@echo "== apps/$(APP)/web/dist is ready to serve (config.json from the stack's outputs)"

# One sample on 127.0.0.1 without AWS: local Cognito endpoint, moto, the
# loopback provider and the page; Ctrl-C stops it. DEMO_PORT=0 picks a port.
DEMO_PORT ?= 8080
demo: web
	@[ -n "$(APP)" ] || { echo "usage: make demo APP=<one of: $(WEB_APPS)>"; exit 2; }
	@command -v moto_server >/dev/null 2>&1 || { echo "make demo needs moto_server (pip install 'moto[server]')"; exit 2; }
	@echo "== building the demo (go build)"
	@go build -o $(BIN)/demo ./test/demo
	@$(BIN)/demo -app $(APP) -port $(DEMO_PORT)

# Screenshots of every browser flow into docs/screenshots (the README's).
screenshots: web browser
	go test -count=1 -run . ./test/browser -args -screenshots $(CURDIR)/docs/screenshots

clean:
	rm -rf cdk.out $(BIN) client/dist apps/*/web/dist
