/**
 * A GET's input from its query string and path, or a path field of a body's input: text, read
 * as the type the input's JSON Schema gives the field (`?limit=5` → 5). The shared schemas are
 * not touched: the tRPC path keeps refusing a string where a number belongs. Text that does not
 * read as the type is passed on as it is, and zod refuses it (VALIDATION_FAILED, naming the field).
 */
import { withoutNull, type JsonSchema } from './json-schema';

const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?$/;

function typesOf(schema: JsonSchema): unknown[] {
  const { type } = withoutNull(schema);
  return Array.isArray(type) ? type : [type];
}

function coerce(value: string, schema: JsonSchema | undefined): unknown {
  if (!schema) return value;
  const types = typesOf(schema);
  if ((types.includes('integer') || types.includes('number')) && NUMBER.test(value)) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Each text value read by its field's schema; repeated parameters (arrays) are left to zod to refuse. */
export function coerceFields(values: Record<string, unknown>, properties: Record<string, JsonSchema>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    input[key] = typeof value === 'string' && Object.hasOwn(properties, key) ? coerce(value, properties[key]) : value;
  }
  return input;
}
