/** Time as a service, so tests can move it (token expiry, code expiry) without waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
