// The names in src/contract.ts are the Go constants' values (package lambdas/contract).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { contract } from '../dist/index.js';

const dir = new URL('../../lambdas/contract/', import.meta.url);
const go = readdirSync(dir)
  .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))
  .map((f) => readFileSync(new URL(f, dir), 'utf8'))
  .join('\n');

function goConst(name) {
  const m = new RegExp(`\\b${name}\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|[0-9]+)`).exec(go);
  assert.ok(m, `const ${name} not found in lambdas/contract`);
  return m[1].startsWith('"') ? JSON.parse(m[1]) : Number(m[1]);
}

test('contract names match lambdas/contract', () => {
  const pairs = {
    PUBLIC_AUTHORIZE_URL: 'PublicAuthorizeURL',
    PUBLIC_PROVIDER: 'PublicProvider',
    PUBLIC_CLIENT_ID: 'PublicClientID',
    PUBLIC_STATE: 'PublicState',
    PUBLIC_TENANT_DNS: 'PublicTenantDNS',
    PUBLIC_COMMUNITY: 'PublicCommunity',
    PUBLIC_ACR: 'PublicACR',
    PUBLIC_STEPUP_BINDING: 'PublicStepUpBinding',
    PUBLIC_SESSION_URL: 'PublicSessionURL',
    PROVIDER_BLOCKID: 'ProviderBlockID',
    PROVIDER_OIDC: 'ProviderOIDC',
    PROVIDER_BLOCKID_SESSION: 'ProviderBlockIDSession',
    METADATA_STEPUP_BINDING: 'MetadataStepUpBinding',
    METADATA_STEPUP_REASON: 'MetadataStepUpReason',
    MAX_ANSWER_BYTES: 'MaxAnswerBytes',
    MAX_BINDING_VALUE: 'MaxBindingValue',
    PROOFING_HANDLE_KEY: 'ProofingHandleKey',
    ERROR_INSUFFICIENT_USER_AUTHENTICATION: 'ErrorInsufficientUserAuthentication',
  };
  for (const [ts, goName] of Object.entries(pairs)) assert.equal(contract[ts], goConst(goName), `${ts} vs ${goName}`);
});

test('isValidStepUpReason follows contract.ValidStepUpReason', () => {
  for (const r of ['a', 'high_value_transaction', 'x'.repeat(64), '0_9'])
    assert.equal(contract.isValidStepUpReason(r), true, r);
  for (const r of ['', 'A', 'a-b', 'a b', 'x'.repeat(65), 'é', 1, null])
    assert.equal(contract.isValidStepUpReason(r), false, String(r));
});
