/**
 * Image uploads with `Taro.uploadFile` (multipart; tRPC carries JSON only): the same slot limit,
 * headers, request ids, coded errors and auth repair as tRPC calls.
 */
import { UPLOAD_FILE_FIELD, UPLOAD_PATH, uploadResultSchema, type UploadResult } from '@app/shared';
import { appCodeOf, clientError, httpError } from './app-error';
import { RECOVERABLE_AUTH_CODES, type AuthRecovery } from './auth-recovery-link';
import type { ConcurrencyLimiter } from './concurrency';
import { isPlatformTimeout } from './platform-request';
import { createRequestId } from './request-id';
import { REQUEST_ID_HEADER } from './taro-link';

export interface PlatformUploadOptions {
  url: string;
  filePath: string;
  name: string;
  header: Record<string, string>;
  timeout: number;
}

/** The slice of `Taro.uploadFile` used here. */
export type PlatformUpload = (options: PlatformUploadOptions) => Promise<{ statusCode: number; data: unknown }>;

export interface UploadDeps {
  baseUrl: () => string;
  upload: PlatformUpload;
  limiter: ConcurrencyLimiter;
  headers: () => Record<string, string>;
  session: AuthRecovery;
  timeoutMs?: number;
}

async function uploadOnce(deps: UploadDeps, filePath: string): Promise<UploadResult> {
  const requestId = createRequestId();
  let response: { statusCode: number; data: unknown };
  try {
    response = await deps.limiter.run(() =>
      deps.upload({
        url: `${deps.baseUrl()}${UPLOAD_PATH}`,
        filePath,
        name: UPLOAD_FILE_FIELD,
        header: { ...deps.headers(), [REQUEST_ID_HEADER]: requestId },
        timeout: deps.timeoutMs ?? 60_000,
      }),
    );
  } catch (error) {
    throw clientError(isPlatformTimeout(error) ? 'REQUEST_TIMEOUT' : 'NETWORK_ERROR', requestId, { cause: error });
  }
  let body: unknown;
  try {
    body = typeof response.data === 'string' ? JSON.parse(response.data) : response.data;
  } catch {
    body = undefined;
  }
  if (response.statusCode >= 200 && response.statusCode < 300) {
    const parsed = uploadResultSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw clientError('INTERNAL_ERROR', requestId);
  }
  throw httpError(response.statusCode, body, requestId);
}

/** Uploads a local image (a chooseAvatar / chooseImage temp path); resolves to its stored URL. */
export async function uploadImage(deps: UploadDeps, filePath: string): Promise<UploadResult> {
  const generation = deps.session.generation;
  try {
    return await uploadOnce(deps, filePath);
  } catch (error) {
    const code = appCodeOf(error);
    if (!RECOVERABLE_AUTH_CODES.has(code)) throw error;
    if (deps.session.generation === generation) await deps.session.recover(code);
    return uploadOnce(deps, filePath);
  }
}
