/**
 * What an uploaded file really is, from its first bytes (never from its name or the client's
 * Content-Type). Three fixed signatures from the format specifications; a library for them
 * would add more to the server bundle, and its cold start, than this file holds.
 */
export const imageTypes = {
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  png: { contentType: 'image/png', extension: 'png' },
  webp: { contentType: 'image/webp', extension: 'webp' },
} as const;
export type ImageType = (typeof imageTypes)[keyof typeof imageTypes];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((byte, i) => bytes[offset + i] === byte);

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** JPEG: SOI + a marker; PNG: its 8-byte signature; WebP: a RIFF container of form type WEBP. */
export function detectImageType(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return imageTypes.jpeg;
  if (startsWith(bytes, PNG_SIGNATURE)) return imageTypes.png;
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return imageTypes.webp;
  return null;
}

/** The content type of a stored file, from the extension this module gave it. */
export function contentTypeOfExtension(extension: string): string | null {
  return Object.values(imageTypes).find((type) => type.extension === extension)?.contentType ?? null;
}
