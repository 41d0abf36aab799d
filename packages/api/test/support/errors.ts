import { expect } from 'vitest';
import { AppError } from '../../src/errors';

/** The application code a call failed with (and that it failed with an AppError at all). */
export async function appCodeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return (error as AppError).appCode;
}
