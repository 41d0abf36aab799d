/**
 * The shared zod/mini contracts as JSON Schema (draft 2020-12, OpenAPI 3.1's dialect), by zod's
 * own `toJSONSchema`, which reads mini schemas as they are: what the REST document says and
 * what the REST routes coerce their query strings by. Refinements (a nickname's displayable
 * characters, "at least one field") have no JSON Schema form: zod still applies them, and a
 * request that fails one is answered VALIDATION_FAILED like any other.
 */
import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';

export type JsonSchema = Record<string, unknown>;

/**
 * A Date leaves the REST routes as JSON.stringify writes it, an ISO 8601 string. (tRPC's
 * superjson keeps it a Date; REST clients read the string.) An input Date stays unrepresentable:
 * a JSON body cannot carry one, so zod's error at document time is the honest answer.
 */
const outputDates: Parameters<typeof z.toJSONSchema>[1] = {
  target: 'draft-2020-12',
  io: 'output',
  unrepresentable: ({ zodSchema }) => (zodSchema._zod.def.type === 'date' ? { type: 'string', format: 'date-time' } : undefined),
};

/** Without the keys a standalone schema carries and an embedded one must not. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

export function inputJsonSchema(schema: $ZodType): JsonSchema {
  return embedded(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }));
}

/**
 * Output schemas as named components: each schema given a name becomes
 * `#/components/schemas/<name>`, and every other named schema inside it a `$ref` to its own.
 */
export function outputComponents(names: ReadonlyMap<$ZodType, string>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of names) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...outputDates, uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, embedded(schema as JsonSchema)]));
}

/** A property's schema as a query string or path segment can carry it: never null (absent is). */
export function withoutNull(schema: JsonSchema): JsonSchema {
  const anyOf = schema.anyOf;
  if (Array.isArray(anyOf)) {
    const rest = (anyOf as JsonSchema[]).filter((branch) => branch.type !== 'null');
    if (rest.length === 1 && rest[0]) {
      const { anyOf: _anyOf, ...outer } = schema;
      return { ...outer, ...rest[0] };
    }
  }
  if (Array.isArray(schema.type)) {
    const types = (schema.type as unknown[]).filter((type) => type !== 'null');
    return { ...schema, type: types.length === 1 ? types[0] : types };
  }
  return schema;
}

/** The top-level fields of an object input: their schemas and which are required. */
export function inputFields(schema: $ZodType): { properties: Record<string, JsonSchema>; required: Set<string> } {
  const json = inputJsonSchema(schema);
  return {
    properties: (json.properties ?? {}) as Record<string, JsonSchema>,
    required: new Set(Array.isArray(json.required) ? (json.required as string[]) : []),
  };
}
