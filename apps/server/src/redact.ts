/**
 * Censors credentials and personal data in log objects, by key, in the first three levels (as the
 * WeChat responses, headers and user rows we log have them). A plain walk: pino's wildcard redact
 * paths cost more than the rest of a request's logging together. The caller's objects are never
 * changed; only branches that hold something to censor are copied.
 */
export const SENSITIVE_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'session_key',
  'sessionKey',
  'secret',
  'appSecret',
  'password',
  'phone',
  'phoneNumber',
  'purePhoneNumber',
  'encryptedData',
  'iv',
] as const;

export const CENSOR = '[REDACTED]';
const SENSITIVE = new Set<string>(SENSITIVE_KEYS);
const MAX_DEPTH = 3;

/** A copy of the object (plain, array or error) that keeps its prototype and own properties. */
function shallowCopy<T extends object>(value: T): T {
  if (Array.isArray(value)) return [...value] as T;
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as T;
  for (const key of Object.getOwnPropertyNames(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (!descriptor) continue;
    // An accessor may read internal slots of the original (V8's Error#stack does): copy its value.
    const isAccessor = 'get' in descriptor && descriptor.get !== undefined;
    const { configurable, enumerable } = descriptor;
    const copied = isAccessor ? { configurable, enumerable, value: (value as Record<string, unknown>)[key], writable: true } : descriptor;
    Object.defineProperty(copy, key, copied);
  }
  return copy;
}

function redactLevel<T>(value: T, depth: number): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const current = (value as Record<string, unknown>)[key];
    const next = SENSITIVE.has(key) ? (current === undefined ? current : CENSOR) : redactLevel(current, depth + 1);
    if (next !== current) {
      copy ??= shallowCopy(value as Record<string, unknown>);
      copy[key] = next;
    }
  }
  return (copy ?? value) as T;
}

export function redactSensitive<T extends object>(object: T): T {
  return redactLevel(object, 1);
}
