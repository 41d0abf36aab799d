/**
 * The log line's time: pino's ISO format, formatted once per millisecond (logger.ts).
 */
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoTime } from '../src/logger';

afterEach(() => {
  vi.useRealTimers();
});

describe('isoTime', () => {
  it("writes what pino's isoTime writes, and moves on with every millisecond", () => {
    vi.useFakeTimers({ now: new Date('2026-11-30T23:59:59.998Z') });
    const first = isoTime();
    expect(first).toBe(pino.stdTimeFunctions.isoTime());
    expect(first).toBe(',"time":"2026-11-30T23:59:59.998Z"');
    expect(isoTime()).toBe(first);
    vi.advanceTimersByTime(1);
    expect(isoTime()).toBe(',"time":"2026-11-30T23:59:59.999Z"');
    vi.advanceTimersByTime(1);
    expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
    expect(isoTime()).toBe(',"time":"2026-12-01T00:00:00.000Z"');
  });
});
