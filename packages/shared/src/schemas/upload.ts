import * as z from 'zod/mini';
import '../zod';

/** `POST` a multipart form here, the file in the field `file`, with the usual Authorization. */
export const UPLOAD_PATH = '/uploads';
export const UPLOAD_FILE_FIELD = 'file';

export const uploadResultSchema = z.object({
  /** Path of the stored file on the API server (`/uploads/<hash>.<ext>`); resolve it with assetUrl. */
  url: z.string(),
  contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  size: z.int().check(z.positive()),
});
export type UploadResult = z.infer<typeof uploadResultSchema>;

/** An avatar or upload URL as stored (a server path, or absolute), made absolute against the API base. */
export function assetUrl(apiBaseUrl: string, url: string): string {
  return url.startsWith('/') ? `${apiBaseUrl.replace(/\/+$/, '')}${url}` : url;
}
