/**
 * Uploads over HTTP (tRPC carries JSON, and `Taro.uploadFile` sends multipart):
 *   POST /uploads        an authenticated multipart form with one image in the field `file`
 *   GET  /uploads/:name  the stored file, with long-lived cache headers and Range support
 * The checks (type by magic bytes, size, rate limit) live in @app/api's uploads service.
 */
import { AppError, storedFileOf, storeImage, type Services } from '@app/api';
import { UPLOAD_FILE_FIELD, UPLOAD_PATH, type AppErrorCode } from '@app/shared';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';

/** @fastify/multipart's errors, as the codes our clients know. */
const appCodeByMultipartError: Record<string, AppErrorCode> = {
  FST_REQ_FILE_TOO_LARGE: 'UPLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Reads the one file of the form. Whatever goes wrong while parsing is the client's doing: a 4xx. */
async function readFilePart(request: FastifyRequest): Promise<Buffer> {
  try {
    const part = await request.file();
    if (!part || part.fieldname !== UPLOAD_FILE_FIELD) throw new AppError('UPLOAD_FILE_MISSING');
    return await part.toBuffer();
  } catch (error) {
    if (error instanceof AppError) throw error;
    // busboy's own errors ("Boundary not found", "Unexpected end of form") carry no code at all.
    const code = (error as { code?: string }).code;
    throw new AppError((code && appCodeByMultipartError[code]) || 'MALFORMED_REQUEST', { cause: error });
  }
}

async function receiveImage(services: Services, request: FastifyRequest) {
  // Who is asking comes first: an anonymous client's bytes are never read.
  const session = await services.auth.authenticate(request.headers.authorization ?? null);
  return storeImage(services, session, await readFilePart(request));
}

const CACHE_FOREVER = 'public, max-age=31536000, immutable';

/** `bytes=-500` and the like: a suffix range, the last 500 bytes. */
const SUFFIX_RANGE = /(^|,)\s*-\s*(\d+)\s*(?=,|$)/g;

/**
 * The byte ranges a Range header asks of a file of `size` bytes, as range-parser gives them (-1:
 * unsatisfiable, -2: malformed). RFC 9110 14.1.2 reads a suffix longer than the file as the whole
 * file, where range-parser finds it unsatisfiable: such a suffix is read as `0-` instead.
 */
function rangesOf(size: number, header: string): ReturnType<typeof parseRange> {
  const unit = header.indexOf('=');
  if (unit === -1) return -2;
  const specs = header
    .slice(unit + 1)
    .replace(SUFFIX_RANGE, (spec, separator: string, length: string) => (Number(length) > size ? `${separator}0-` : spec));
  return parseRange(size, `${header.slice(0, unit)}=${specs}`, { combine: true });
}

async function sendStoredFile(services: Services, request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) {
  const file = storedFileOf(request.params.name);
  const info = file ? await services.uploads.storage.stat(file.key) : null;
  if (!file || !info) throw new AppError('NOT_FOUND');

  // Names are content hashes: the ETag never changes, so a revalidation is always a 304.
  reply.header('etag', file.etag).header('cache-control', CACHE_FOREVER).header('accept-ranges', 'bytes');
  reply.header('last-modified', info.modifiedAt.toUTCString()).header('content-type', file.contentType);
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();

  // Only byte ranges: a Range of another unit is ignored (RFC 9110 14.2), not answered with 416.
  const rangeHeader = request.headers.range;
  const ranges = rangeHeader && /^\s*bytes\s*=/i.test(rangeHeader) ? rangesOf(info.size, rangeHeader) : -2;
  if (ranges === -1) {
    return reply.status(416).header('content-range', `bytes */${info.size}`).send();
  }
  // One satisfiable range is served as such, as a 206 even when it covers the whole file (its
  // Content-Range tells the client it got the bytes it asked for); malformed or multi-range
  // requests get the whole file as a 200.
  const range = Array.isArray(ranges) && ranges.length === 1 ? ranges[0] : undefined;
  if (range) {
    reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${info.size}`);
    reply.header('content-length', range.end - range.start + 1);
    return reply.send(services.uploads.storage.read(file.key, range));
  }
  reply.header('content-length', info.size);
  return reply.send(services.uploads.storage.read(file.key));
}

export async function registerUploads(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  await app.register(async (scope) => {
    await scope.register(multipart, {
      // One file and nothing much else: anything more is not our client.
      limits: { fileSize: services.uploads.maxBytes, files: 1, fields: 4, parts: 5, fieldSize: 1024, headerPairs: 64 },
    });
    scope.post(UPLOAD_PATH, async (request) => receiveImage(services, request));
  });
  app.get<{ Params: { name: string } }>(`${UPLOAD_PATH}/:name`, (request, reply) => sendStoredFile(services, request, reply));
}
