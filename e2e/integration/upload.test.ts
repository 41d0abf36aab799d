/**
 * Avatar uploads as the app makes them (Taro.uploadFile, played by Node's HTTP stack) against the
 * real server: the stored URL, coded errors, and the same auth repair as tRPC calls.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assetUrl } from '@app/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appErrorOf } from '@app/miniprogram/src/errors/app-error';
import { uploadImage } from '@app/miniprogram/src/api/upload';
import { createTestApi, EXPIRE_ACCESS_TOKEN_MS, rejectionOf } from './support/api';
import { startTestServer, type TestServer } from './support/test-server';

// Any real PNG will do: the app's own tab-bar icon.
const PNG = readFileSync(new URL('../../apps/miniprogram/src/assets/tabbar/home.png', import.meta.url));
const asFilePath = (bytes: Buffer) => `bytes:${bytes.toString('base64')}`;

let server: TestServer;
const uploadDir = mkdtempSync(path.join(tmpdir(), 'mp-upload-test-'));
beforeAll(async () => {
  server = await startTestServer({ ACCESS_TOKEN_TTL_SECONDS: '10', UPLOAD_DIR: uploadDir, UPLOAD_MAX_BYTES: '4096' });
});
afterAll(async () => {
  await server.close();
  rmSync(uploadDir, { recursive: true, force: true });
});

async function signedIn() {
  const api = createTestApi(server);
  await api.session.start();
  const deps = { baseUrl: () => server.url, upload: api.platform.upload, limiter: api.limiter, headers: api.headers, session: api.session };
  return { ...api, deps };
}

describe('uploadImage', () => {
  it('uploads an image and sets it as the avatar, which the server then serves', async () => {
    const { deps, client, platform } = await signedIn();
    const result = await uploadImage(deps, asFilePath(PNG));
    expect(result).toMatchObject({ contentType: 'image/png', size: PNG.length });
    const uploadRequest = platform.sent.find((r) => r.url.endsWith('/uploads'))!;
    expect(uploadRequest.headers['x-request-id']).toMatch(/^mp-/);

    const user = await client.user.updateProfile.mutate({ avatarUrl: result.url });
    const served = await fetch(assetUrl(server.url, user.avatarUrl!));
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('repairs an expired sign-in and uploads on the second try', async () => {
    const { deps, platform } = await signedIn();
    server.clock.advance(EXPIRE_ACCESS_TOKEN_MS);
    const result = await uploadImage(deps, asFilePath(PNG));
    expect(result.contentType).toBe('image/png');
    expect(platform.sent.map((r) => r.procedures || new URL(r.url).pathname)).toEqual([
      'auth.login',
      '/uploads',
      'auth.refresh',
      '/uploads',
    ]);
  });

  it.each([
    ['a file that is not an image', Buffer.from('%PDF-1.7 not an image'), 'UPLOAD_TYPE_NOT_ALLOWED', '只支持 JPG、PNG 或 WebP 格式的图片'],
    ['an image over the size limit', Buffer.concat([PNG, Buffer.alloc(8192)]), 'UPLOAD_TOO_LARGE', '图片太大，请换一张小一些的图片'],
  ])('turns %s into a coded error with its zh-CN message', async (_name, bytes, code, message) => {
    const { deps } = await signedIn();
    const error = appErrorOf(await rejectionOf(uploadImage(deps, asFilePath(bytes))));
    const clientRequestId: unknown = expect.stringMatching(/^mp-/);
    expect(error).toMatchObject({ code, message, requestId: clientRequestId });
  });

  it('reports an unreachable server as a network error', async () => {
    const { deps } = await signedIn();
    const error = appErrorOf(await rejectionOf(uploadImage({ ...deps, baseUrl: () => 'http://127.0.0.1:1' }, asFilePath(PNG))));
    expect(error.code).toBe('NETWORK_ERROR');
  });
});
