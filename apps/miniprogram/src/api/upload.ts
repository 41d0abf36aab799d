/**
 * Image uploads with `Taro.uploadFile` (multipart; tRPC carries JSON only): the same slot limit,
 * headers, request ids, coded errors and sign-in repair (auth/sign-in-repair.ts) as tRPC calls.
 */
import { REQUEST_ID_HEADER, UPLOAD_FILE_FIELD, UPLOAD_PATH, uploadResultSchema, type UploadResult } from '@app/shared';
import { withSignInRepairAsync, type AuthRecovery } from '../auth/sign-in-repair';
import { clientError, httpError } from '../errors/app-error';
import { isPlatformTimeout, parseBody, type PlatformUpload } from '../platform/network';
import type { ConcurrencyLimiter } from './concurrency';
import { createRequestId } from './request-id';

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
  const body = parseBody(response.data);
  if (response.statusCode >= 200 && response.statusCode < 300) {
    const parsed = uploadResultSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw clientError('INTERNAL_ERROR', requestId);
  }
  throw httpError(response.statusCode, body, requestId);
}

/** Uploads a local image (a chooseAvatar / chooseImage temp path); resolves to its stored URL. */
export function uploadImage(deps: UploadDeps, filePath: string): Promise<UploadResult> {
  return withSignInRepairAsync(deps.session, () => uploadOnce(deps, filePath));
}
