import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { isoString, serializeLikeSuperjson } from '../src/fast-superjson';

const date = new Date('2026-11-24T01:02:03.004Z');
const shared = { k: 1 };

describe('serializeLikeSuperjson', () => {
  it.each([
    ['a number', 5],
    ['a string', 'x'],
    ['null', null],
    ['true', true],
    ['a Date at the root', date],
    ['a flat object', { a: 1, b: 'two', c: null, d: false }],
    ['a user row', { id: 1, nickname: null, createdAt: date, updatedAt: new Date(0) }],
    ['nested Dates', { a: { b: { c: date } }, list: [{ d: date }, { d: new Date(1) }] }],
    ['arrays in arrays', { a: [1, [new Date(2)]] }],
    ['keys with dots and backslashes', { 'x.y': new Date(3), 'a\\b': { 'c.d': new Date(4) } }],
    ['an empty object and array', { o: {}, a: [] }],
    ['a year before 1000', { d: new Date('0500-06-07T00:00:00.000Z') }],
    ['empty keys', { '': { '': new Date(6), d: new Date(7) } }],
    ['an object without prototype', Object.assign(Object.create(null) as object, { d: new Date(5) })],
    // What goes to superjson itself:
    ['undefined at the root', undefined],
    ['undefined in an object', { u: undefined, n: 1 }],
    ['a hole-free array with undefined', [undefined]],
    ['a Map', new Map([[1, 2]])],
    ['a Set in an object', { s: new Set([1]) }],
    ['a BigInt', { n: 10n }],
    ['NaN and Infinity', { a: Number.NaN, b: Number.POSITIVE_INFINITY }],
    ['minus zero', { z: -0 }],
    ['an invalid Date', { d: new Date(Number.NaN) }],
    ['a shared reference', { a: shared, b: shared }],
    ['a Date used twice', { a: date, b: date }],
    [
      'a class instance',
      {
        e: new (class Point {
          x = 1;
        })(),
      },
    ],
    ['a RegExp', { r: /x/g }],
  ])('writes %s exactly as superjson does', (_name, value) => {
    expect(JSON.stringify(serializeLikeSuperjson(value))).toBe(JSON.stringify(superjson.serialize(value)));
  });

  it('writes ISO dates as Date#toISOString does, years outside 1000–9999 included', () => {
    for (const date of [
      new Date(0),
      new Date('2026-12-31T23:59:59.999Z'),
      new Date('0999-01-02T03:04:05.006Z'),
      new Date(8.64e15),
      new Date(-8.64e15),
    ]) {
      expect(isoString(date)).toBe(date.toISOString());
    }
  });

  it('round-trips through superjson.deserialize', () => {
    const value = { user: { id: 1, createdAt: date }, items: [{ at: new Date(9) }] };
    const written = JSON.parse(JSON.stringify(serializeLikeSuperjson(value))) as Parameters<typeof superjson.deserialize>[0];
    expect(superjson.deserialize(written)).toEqual(value);
  });
});
