/**
 * Uploaded images: checked by their bytes, stored under a name derived from their content (the
 * same image uploaded twice is one file, and a URL never changes meaning, so it can be cached
 * forever), and rate limited like any other write.
 */
import { createHash } from 'node:crypto';
import { UPLOAD_PATH, type UploadResult } from '@app/shared';
import type { Logger } from 'pino';
import { AppError } from '../../errors';
import type { RateLimits } from '../../rate-limits';
import type { Session } from '../auth/session';
import { contentTypeOfExtension, detectImageType } from './image-type';
import type { UploadStorage } from './upload-storage';

export interface UploadServices {
  storage: UploadStorage;
  /** Largest accepted file, in bytes. */
  maxBytes: number;
}

interface UploadDeps {
  uploads: UploadServices;
  rateLimits: Pick<RateLimits, 'consume'>;
  logger: Logger;
}

export async function storeImage(deps: UploadDeps, session: Session, bytes: Uint8Array): Promise<UploadResult> {
  await deps.rateLimits.consume('mutationsPerUser', String(session.userId));
  if (bytes.length === 0) throw new AppError('UPLOAD_FILE_MISSING');
  if (bytes.length > deps.uploads.maxBytes) throw new AppError('UPLOAD_TOO_LARGE');
  const type = detectImageType(bytes);
  if (!type) throw new AppError('UPLOAD_TYPE_NOT_ALLOWED');

  const { key, url } = await storeByContent(deps.uploads.storage, bytes, type.extension);
  deps.logger.info({ userId: session.userId, key, size: bytes.length }, 'image uploaded');
  return { url, contentType: type.contentType, size: bytes.length };
}

/**
 * Stores bytes under a name made of their hash (so the same file is stored once and its URL can
 * be cached for good) and answers the storage key and the URL the /uploads route serves it at.
 */
export async function storeByContent(storage: UploadStorage, bytes: Uint8Array, extension: string): Promise<{ key: string; url: string }> {
  const key = `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.${extension}`;
  if (!(await storage.stat(key))) await storage.put(key, bytes);
  return { key, url: `${UPLOAD_PATH}/${key}` };
}

const STORED_NAME = /^([a-f0-9]{32})\.([a-z]+)$/;

/** The storage key and content type behind `/uploads/<name>`, or null for a name we never issue. */
export function storedFileOf(name: string): { key: string; etag: string; contentType: string } | null {
  const match = STORED_NAME.exec(name);
  const contentType = match?.[2] ? contentTypeOfExtension(match[2]) : null;
  if (!match?.[1] || !contentType) return null;
  return { key: name, etag: `"${match[1]}"`, contentType };
}
