/**
 * Journey 6: bad input at the HTTP level. Each gets a coded 4xx with a zh-CN message, never a
 * 500, and the server keeps serving.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, mock, test } from '../fixtures/app';
import { repoRoot, stack } from '../fixtures/stack-config';
import type { APIRequestContext, APIResponse } from '@playwright/test';

test.use({ baseURL: stack.apiUrl });

const PNG = readFileSync(path.join(repoRoot, 'apps/miniprogram/src/assets/tabbar/home.png'));

async function signIn(request: APIRequestContext): Promise<string> {
  const { code } = await mock.loginCode(`e2e-bad-input-${Date.now()}`);
  const response = await request.post('/trpc/auth.login?batch=1', { data: { 0: { json: { code } } } });
  expect(response.status()).toBe(200);
  const [item] = (await response.json()) as Array<{ result: { data: { json: { accessToken: string } } } }>;
  return item!.result.data.json.accessToken;
}

/** The coded error of a plain HTTP error body or of a tRPC (batch) error. */
async function errorOf(response: APIResponse): Promise<{ appCode: string; message: string; requestId: string }> {
  const body = (await response.json()) as unknown;
  if (Array.isArray(body)) {
    const shape = (body[0] as { error: { json: { message: string; data: { appCode: string; requestId: string } } } }).error.json;
    return { appCode: shape.data.appCode, message: shape.message, requestId: shape.data.requestId };
  }
  return (body as { error: { appCode: string; message: string; requestId: string } }).error;
}

/**
 * An oversized request, sent until its answer is read: the server answers 413 from the headers and
 * closes the connection without reading the body (Fastify's `Connection: close`: reading megabytes
 * to throw them away would be the attacker's win), so a client still writing the body can lose the
 * race and see the connection broken (EPIPE, ECONNRESET) before it reads the answer. The stack's
 * body limit keeps such a body within the socket buffers (stack-config.ts); three tries besides.
 */
async function untilAnswered(send: () => Promise<APIResponse>): Promise<APIResponse> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      if (attempt >= 3 || !/EPIPE|ECONNRESET|socket hang up/.test(String(error))) throw error;
    }
  }
}

const upload = (request: APIRequestContext, token: string, file: { name: string; mimeType: string; buffer: Buffer }) =>
  request.post('/uploads', { headers: { authorization: `Bearer ${token}` }, multipart: { file } });

test('each kind of bad input gets its coded 4xx, and the server keeps serving', async ({ request }) => {
  const token = await signIn(request);
  const auth = { authorization: `Bearer ${token}` };
  const [header, payload] = token.split('.');
  const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;

  const cases: Array<[string, () => Promise<APIResponse>, number, string]> = [
    [
      'malformed JSON',
      () =>
        request.post('/trpc/user.updateProfile?batch=1', {
          headers: { ...auth, 'content-type': 'application/json' },
          data: '{"0":{"json":{"nickname":',
        }),
      400,
      'MALFORMED_REQUEST',
    ],
    [
      'wrong types',
      () => request.post('/trpc/user.updateProfile?batch=1', { headers: auth, data: { 0: { json: { nickname: 42 } } } }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'no input at all',
      () => request.post('/trpc/user.bindPhone?batch=1', { headers: auth, data: { 0: { json: {} } } }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'an oversized body',
      () =>
        untilAnswered(() =>
          request.post('/trpc/user.updateProfile?batch=1', {
            headers: auth,
            data: { 0: { json: { nickname: 'x'.repeat(stack.bodyLimitBytes + 16 * 1024) } } },
          }),
        ),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a forged token',
      () => request.get('/trpc/user.me?batch=1&input={}', { headers: { authorization: `Bearer ${forged}` } }),
      401,
      'AUTH_TOKEN_SIGNATURE_INVALID',
    ],
    [
      'a token that is no JWT',
      () => request.get('/trpc/user.me?batch=1&input={}', { headers: { authorization: 'Bearer abc' } }),
      401,
      'AUTH_TOKEN_MALFORMED',
    ],
    ['an unknown procedure', () => request.get('/trpc/user.nothing?batch=1&input={}', { headers: auth }), 404, 'NOT_FOUND'],
    [
      'an oversized upload',
      () =>
        untilAnswered(() =>
          upload(request, token, {
            name: 'big.png',
            mimeType: 'image/png',
            buffer: Buffer.concat([PNG, Buffer.alloc(stack.uploadMaxBytes)]),
          }),
        ),
      413,
      'UPLOAD_TOO_LARGE',
    ],
    [
      'a non-image upload',
      () => upload(request, token, { name: 'avatar.png', mimeType: 'image/png', buffer: Buffer.from('<script>alert(1)</script>') }),
      415,
      'UPLOAD_TYPE_NOT_ALLOWED',
    ],
    [
      'an upload with a forged token',
      () => upload(request, forged, { name: 'a.png', mimeType: 'image/png', buffer: PNG }),
      401,
      'AUTH_TOKEN_SIGNATURE_INVALID',
    ],
  ];

  for (const [name, send, status, appCode] of cases) {
    const response = await send();
    expect({ name, status: response.status() }).toEqual({ name, status });
    const error = await errorOf(response);
    expect({ name, appCode: error.appCode }).toEqual({ name, appCode });
    expect(error.message, name).toMatch(/[\u4e00-\u9fff]/);
    expect(error.requestId, name).toBe(response.headers()['x-request-id']);
    // Still serving, after each one.
    expect((await request.get('/readyz')).status(), `after ${name}`).toBe(200);
  }

  // And still doing real work for the same user.
  const me = await request.get('/trpc/user.me?batch=1&input={}', { headers: auth });
  expect(me.status()).toBe(200);
  const good = await upload(request, token, { name: 'avatar.png', mimeType: 'image/png', buffer: PNG });
  expect(good.status()).toBe(200);
});
