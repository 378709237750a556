import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardableHeaders, grpcMessage, isGrpc } from './h2-forward.js';

test('grpc-message percent-encodes only %, controls and non-ASCII', () => {
  assert.equal(grpcMessage('RBAC: access denied by policy ns/p'), 'RBAC: access denied by policy ns/p');
  assert.equal(grpcMessage('100% é\n'), '100%25 %C3%A9%0A');
});

test('identity headers from the caller are dropped, extras added; gRPC is told by content type', () => {
  const out = forwardableHeaders({ ':path': '/x', 'x-forwarded-client-cert': 'forged', 'x-weft-peer': 'forged', 'x-other': 'kept' }, { 'x-forwarded-client-cert': 'By=a;URI=b' });
  assert.deepEqual(out, { ':path': '/x', 'x-other': 'kept', 'x-forwarded-client-cert': 'By=a;URI=b' });
  assert.equal(isGrpc({ 'content-type': 'application/grpc+proto' }), true);
  assert.equal(isGrpc({ 'content-type': 'application/json' }), false);
  assert.equal(isGrpc({}), false);
});
