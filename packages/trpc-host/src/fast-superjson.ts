/**
 * superjson.serialize for the values procedures usually return (plain objects and arrays of
 * strings, finite numbers, booleans, null and Dates), in one pass: a copy of the value with Dates
 * written as ISO strings (so JSON.stringify stays on its fast path, which a Date's toJSON leaves),
 * and the Dates' paths as `meta`. Anything else (undefined, Map, Set, BigInt, class instances, -0,
 * NaN, shared references) goes to superjson itself. A test compares both on many shapes.
 */
import superjson from 'superjson';

const BAIL = Symbol('bail');
const escapeKey = (key: string) => (key.includes('.') || key.includes('\\') ? key.replace(/\\/g, '\\\\').replace(/\./g, '\\.') : key);

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** Date#toISOString in plain JavaScript: a third of the native call's cost in V8. */
export function isoString(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) return date.toISOString();
  return `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(
    date.getUTCSeconds(),
  )}.${pad3(date.getUTCMilliseconds())}Z`;
}

interface Walk {
  values: Record<string, ['Date']> | null;
  seen: Set<object>;
}

/**
 * The JSON-ready copy of the value, or BAIL when it needs superjson's full treatment. The path
 * (superjson's dotted form) is only put together for objects and Dates, not for every leaf.
 */
function walk(value: unknown, parent: string | null, segment: string | null, state: Walk): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : BAIL;
    case 'object':
      break;
    default:
      return BAIL;
  }
  const object = value;
  // segment null: the root; parent null: a child of the root.
  const path = segment === null ? null : parent === null ? segment : `${parent}.${segment}`;
  if (state.seen.has(object)) return BAIL; // superjson records shared references
  state.seen.add(object);
  const prototype = Object.getPrototypeOf(object) as object | null;
  if (prototype === Date.prototype) {
    if (Number.isNaN((object as Date).getTime())) return BAIL;
    (state.values ??= {})[path ?? ''] = ['Date'];
    return isoString(object as Date);
  }
  if (Array.isArray(object)) {
    const copy: unknown[] = new Array(object.length);
    for (let i = 0; i < object.length; i += 1) {
      const item = walk(object[i], path, String(i), state);
      if (item === BAIL) return BAIL;
      copy[i] = item;
    }
    return copy;
  }
  if (prototype !== Object.prototype && prototype !== null) return BAIL;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const item = walk((object as Record<string, unknown>)[key], path, escapeKey(key), state);
    if (item === BAIL) return BAIL;
    copy[key] = item;
  }
  return copy;
}

export function serializeLikeSuperjson(value: unknown): unknown {
  const state: Walk = { values: null, seen: new Set() };
  const json = walk(value, null, null, state);
  if (json === BAIL) return superjson.serialize(value);
  if (state.values === null) return { json };
  // A Date at the root is described by a bare list, as superjson does.
  const values = value instanceof Date ? ['Date'] : state.values;
  return { json, meta: { values, v: 1 } };
}
