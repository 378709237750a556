import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { test } from 'node:test';
import { H2_CANCEL, H2_FLAG_END_STREAM, H2_INTERNAL_ERROR, H2_NO_ERROR, loadHttp2 } from './lazy-http2.js';

test('the protocol numbers are those of node:http2', () => {
  assert.equal(H2_FLAG_END_STREAM, http2.constants.NGHTTP2_FLAG_END_STREAM);
  assert.equal(H2_NO_ERROR, http2.constants.NGHTTP2_NO_ERROR);
  assert.equal(H2_INTERNAL_ERROR, http2.constants.NGHTTP2_INTERNAL_ERROR);
  assert.equal(H2_CANCEL, http2.constants.NGHTTP2_CANCEL);
});

test('loadHttp2 gives the node:http2 module itself', () => {
  assert.equal(loadHttp2().connect, http2.connect);
  assert.equal(loadHttp2().createServer, http2.createServer);
});
