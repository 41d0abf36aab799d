import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { detectImageType } from '../../src/modules/uploads/image-type';
import { LocalDiskStorage } from '../../src/modules/uploads/upload-storage';
import { storedFileOf, storeImage } from '../../src/modules/uploads/uploads.service';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('detectImageType', () => {
  it.each([
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xdb], 'rest'), 'image/jpeg'],
    ['png', bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'IHDR'), 'image/png'],
    ['webp', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8L'), 'image/webp'],
  ])('knows %s by its signature', (_name, input, contentType) => {
    expect(detectImageType(input)?.contentType).toBe(contentType);
  });

  it.each([
    ['empty', bytes()],
    ['truncated PNG signature', bytes([0x89, 0x50, 0x4e, 0x47])],
    ['a WAV file (RIFF but not WEBP)', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ')],
    ['a GIF', bytes('GIF89a')],
    ['an SVG', bytes('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['HTML called .jpg', bytes('<html>')],
  ])('refuses %s', (_name, input) => {
    expect(detectImageType(input)).toBeNull();
  });
});

describe('LocalDiskStorage', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'storage-test-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('stores whole files, reads ranges, reports missing ones as null, and deletes', async () => {
    const storage = new LocalDiskStorage(root);
    expect(await storage.stat('a1.png')).toBeNull();
    await storage.put('a1.png', Buffer.from('0123456789'));
    expect((await storage.stat('a1.png'))?.size).toBe(10);
    expect(await text(storage.read('a1.png', { start: 2, end: 4 }))).toBe('234');
    expect(await readdir(root)).toEqual(['a1.png']); // no temporary file left
    await storage.delete('a1.png');
    expect(await storage.stat('a1.png')).toBeNull();
  });

  it('refuses keys that could leave its folder', async () => {
    const storage = new LocalDiskStorage(root);
    for (const key of ['../escape.png', '/etc/passwd', 'a/../../b.png', 'UPPER.png', 'noext']) {
      await expect(storage.put(key, Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
    }
  });
});

describe('storeImage', () => {
  const session = { userId: 7, sessionId: 's' };
  const consumed: string[] = [];
  const rateLimits = {
    consume: (name: string, key: string) => {
      consumed.push(`${name}:${key}`);
      return Promise.resolve();
    },
  };
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'store-image-test-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const deps = () => ({ uploads: { storage: new LocalDiskStorage(root), maxBytes: 64 }, rateLimits, logger: pino({ level: 'silent' }) });
  const png = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'data');

  it('names a file by its content and counts it against the user', async () => {
    const result = await storeImage(deps(), session, png);
    expect(result.url).toMatch(/^\/uploads\/[a-f0-9]{32}\.png$/);
    const name = result.url.split('/').pop()!;
    expect(await readFile(join(root, name))).toEqual(png);
    expect(storedFileOf(name)).toEqual({ key: name, etag: `"${name.slice(0, 32)}"`, contentType: 'image/png' });
    expect(consumed).toContain('mutationsPerUser:7');
  });

  it.each([
    ['UPLOAD_FILE_MISSING', bytes()],
    ['UPLOAD_TOO_LARGE', Buffer.concat([png, Buffer.alloc(64)])],
    ['UPLOAD_TYPE_NOT_ALLOWED', bytes('plain text')],
  ])('answers %s', async (appCode, input) => {
    const error = await storeImage(deps(), session, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).appCode).toBe(appCode);
  });
});
