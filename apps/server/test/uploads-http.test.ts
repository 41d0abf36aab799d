/**
 * Uploads over a real socket: multipart from fetch's FormData (as a browser or Taro.uploadFile
 * sends it), files on disk, and the served file with its cache headers and byte ranges.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogCapture } from '@app/test-support';
import { buildTestApp } from './support/app';
import { trpcClientFor } from './support/trpc-client';

const APP = { appId: 'wx00112233445566aa', appSecret: 'upload-test-secret-0123456789abcdef' };
const MAX_BYTES = 4096;

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 1)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 2)]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x40, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(60, 3)]);

let mock: RunningWeChatMock;
let db: Kysely<Database>;
let app: FastifyInstance;
let logs: LogCapture;
let address: string;
let uploadDir: string;
let token: string;

beforeAll(async () => {
  mock = await startWeChatMock(APP);
  uploadDir = await mkdtemp(join(tmpdir(), 'uploads-test-'));
  db = createDatabase({ url: 'sqlite::memory:' });
  await migrateToLatest(db);
  ({ app, logs } = await buildTestApp(
    {
      WECHAT_API_BASE_URL: mock.url,
      WECHAT_APP_ID: APP.appId,
      WECHAT_APP_SECRET: APP.appSecret,
      UPLOAD_DIR: uploadDir,
      UPLOAD_MAX_BYTES: String(MAX_BYTES),
    },
    { db },
  ));
  address = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = trpcClientFor(address);
  token = (await client.auth.login.mutate({ code: mock.world.issueLoginCode('uploader') })).accessToken;
});

afterAll(async () => {
  await app.close();
  await db.destroy();
  await mock.close();
  await rm(uploadDir, { recursive: true, force: true });
});

function upload(bytes: Buffer | string, options: { field?: string; name?: string; type?: string; auth?: string | null } = {}) {
  const form = new FormData();
  form.append(options.field ?? 'file', new Blob([bytes], { type: options.type ?? 'image/png' }), options.name ?? 'avatar.png');
  const auth = options.auth === undefined ? `Bearer ${token}` : options.auth;
  return fetch(`${address}/uploads`, { method: 'POST', body: form, headers: auth ? { authorization: auth } : {} });
}

async function appCodeOf(response: Response): Promise<string> {
  const body = (await response.json()) as { error: { appCode: string; message: string; requestId: string } };
  expect(body.error.message).toMatch(/[\u4e00-\u9fff]/);
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  return body.error.appCode;
}

const storedFiles = async () => (await readdir(uploadDir)).sort();

describe('POST /uploads', () => {
  it('stores a PNG under its content hash and serves it back with cache headers', async () => {
    const response = await upload(PNG);
    expect(response.status).toBe(200);
    const result = (await response.json()) as { url: string; contentType: string; size: number };
    const uploadUrl: unknown = expect.stringMatching(/^\/uploads\/[a-f0-9]{32}\.png$/);
    expect(result).toEqual({ url: uploadUrl, contentType: 'image/png', size: PNG.length });

    const served = await fetch(`${address}${result.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(served.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);

    const etag = served.headers.get('etag')!;
    expect((await fetch(`${address}${result.url}`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    // The same bytes again are the same file.
    const again = (await (await upload(PNG, { name: 'other-name.png' })).json()) as { url: string };
    expect(again.url).toBe(result.url);
    expect(await storedFiles()).toEqual([result.url.slice('/uploads/'.length)]);
  });

  it.each([
    ['JPEG', JPEG, 'image/jpeg', 'jpg'],
    ['WebP', WEBP, 'image/webp', 'webp'],
  ])('recognises %s by its bytes, whatever the client calls it', async (_name, bytes, contentType, extension) => {
    const response = await upload(bytes, { name: 'whatever.png', type: 'application/octet-stream' });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { url: string; contentType: string };
    expect(result.contentType).toBe(contentType);
    expect(result.url.endsWith(`.${extension}`)).toBe(true);
  });

  it('serves byte ranges, and 416 for a range past the end', async () => {
    const { url } = (await (await upload(PNG)).json()) as { url: string };
    const partial = await fetch(`${address}${url}`, { headers: { range: 'bytes=0-7' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 0-7/${PNG.length}`);
    expect(Buffer.from(await partial.arrayBuffer()).equals(PNG.subarray(0, 8))).toBe(true);

    const tail = await fetch(`${address}${url}`, { headers: { range: 'bytes=-4' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(PNG.subarray(-4))).toBe(true);

    const beyond = await fetch(`${address}${url}`, { headers: { range: `bytes=${PNG.length + 10}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${PNG.length}`);
  });

  // RFC 9110 14.1.2: a suffix longer than the file means the whole file, and a last-byte-pos past
  // the end means "to the end"; only a range that starts past the end (or an empty suffix) is
  // unsatisfiable. A Range of a unit the server does not know is ignored (14.2).
  it.each([
    ['a suffix longer than the file', 'bytes=-99999999999999', 206, [0, PNG.length - 1]],
    ['a suffix exactly the file', `bytes=-${PNG.length}`, 206, [0, PNG.length - 1]],
    ['a suffix one byte longer than the file', `bytes=-${PNG.length + 1}`, 206, [0, PNG.length - 1]],
    ['a last-byte-pos past the end', 'bytes=0-99999999999', 206, [0, PNG.length - 1]],
    ['an open range from the middle', 'bytes=100-', 206, [100, PNG.length - 1]],
    ['an unsatisfiable range and a long suffix', 'bytes=5000-,-99999', 206, [0, PNG.length - 1]],
    ['a range past the end', 'bytes=5000-', 416, null],
    ['an empty suffix', 'bytes=-0', 416, null],
    ['an unknown unit', 'items=5000-', 200, null],
  ] as const)('answers %s (%s) per RFC 9110', async (_name, range, status, served) => {
    const { url } = (await (await upload(PNG)).json()) as { url: string };
    const response = await fetch(`${address}${url}`, { headers: { range } });
    expect(response.status).toBe(status);
    const body = Buffer.from(await response.arrayBuffer());
    if (status === 416) {
      expect(response.headers.get('content-range')).toBe(`bytes */${PNG.length}`);
    } else if (served) {
      const [start, end] = served;
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${PNG.length}`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      expect(body.equals(PNG.subarray(start, end + 1))).toBe(true);
    } else {
      expect(response.headers.get('content-range')).toBeNull();
      expect(body.equals(PNG)).toBe(true);
    }
  });

  it('refuses anonymous and forged callers before reading the file', async () => {
    const before = await storedFiles();
    const anonymous = await upload(JPEG, { auth: null });
    expect(anonymous.status).toBe(401);
    expect(await appCodeOf(anonymous)).toBe('AUTH_REQUIRED');

    const [header, payload] = token.split('.');
    const forged = await upload(JPEG, { auth: `Bearer ${header}.${payload}.${'A'.repeat(43)}` });
    expect(forged.status).toBe(401);
    expect(await appCodeOf(forged)).toBe('AUTH_TOKEN_SIGNATURE_INVALID');
    expect(await storedFiles()).toEqual(before);
  });

  it('gives each bad upload its coded 4xx, stores nothing, and keeps serving', async () => {
    const before = await storedFiles();
    const cases: Array<[string, Promise<Response>, number, string]> = [
      ['a text file called .png', upload('not an image at all', { type: 'image/png' }), 415, 'UPLOAD_TYPE_NOT_ALLOWED'],
      ['an empty file', upload(Buffer.alloc(0)), 400, 'UPLOAD_FILE_MISSING'],
      ['a file over the limit', upload(Buffer.concat([PNG, Buffer.alloc(MAX_BYTES)])), 413, 'UPLOAD_TOO_LARGE'],
      ['the file in another field', upload(PNG, { field: 'avatar' }), 400, 'UPLOAD_FILE_MISSING'],
      [
        'JSON instead of a form',
        fetch(`${address}/uploads`, {
          method: 'POST',
          body: '{"file":"x"}',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a multipart body without its boundary',
        fetch(`${address}/uploads`, {
          method: 'POST',
          body: 'garbage',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data' },
        }),
        400,
        'MALFORMED_REQUEST',
      ],
    ];
    for (const [name, pending, status, appCode] of cases) {
      const response = await pending;
      expect({ name, status: response.status }).toEqual({ name, status });
      expect({ name, appCode: await appCodeOf(response) }).toEqual({ name, appCode });
    }
    // Nothing stored, no temporary file left behind, and no 500 logged.
    expect(await storedFiles()).toEqual(before);
    expect(logs.lines.filter((line) => line.msg === 'request' && Number(line.status) >= 500)).toEqual([]);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
  });

  it('answers 404 for names it never issued, including path tricks', async () => {
    for (const path of ['/uploads/0123456789abcdef0123456789abcdef.png', '/uploads/..%2F..%2Fpackage.json', '/uploads/abc.exe']) {
      const response = await fetch(`${address}${path}`);
      expect(response.status).toBe(404);
      expect(await appCodeOf(response)).toBe('NOT_FOUND');
    }
  });
});

describe('gray channel', () => {
  it('logs a valid X-Gray-Channel with the request line and ignores a malformed one', async () => {
    await fetch(`${address}/healthz`, { headers: { 'x-gray-channel': 'canary-2', 'x-request-id': 'gray-channel-ok-1' } });
    await fetch(`${address}/healthz`, { headers: { 'x-gray-channel': 'Bad Channel!', 'x-request-id': 'gray-channel-bad-1' } });
    const lineOf = (id: string) => logs.lines.find((line) => line.reqId === id && line.msg === 'request');
    expect(lineOf('gray-channel-ok-1')?.grayChannel).toBe('canary-2');
    expect(lineOf('gray-channel-bad-1')).toBeDefined();
    expect(lineOf('gray-channel-bad-1')?.grayChannel).toBeUndefined();
  });
});
