/**
 * The comma-separated variables' one parser (CORS_ORIGINS, TRUST_PROXY, OTEL_TRACES_EXPORTER). A
 * module of its own: tracing/tracing-config.ts needs it, and config.ts imports that module's
 * schema at load, so taking it from config.ts would make the load order matter.
 */
import type * as z from 'zod/mini';

/**
 * A comma-separated variable's entries, trimmed, empty ones dropped, inside a zod transform:
 * `problemOf` says what is wrong with an entry (an issue of the variable), or null.
 */
export function commaList(value: string, ctx: z.core.ParsePayload, problemOf: (entry: string) => string | null): string[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const message = problemOf(entry);
    if (message !== null) ctx.issues.push({ code: 'custom', message, input: value });
  }
  return entries;
}
