/**
 * Telling a database outage from everything else that carries a network error code.
 */
import { createPool } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { createDatabase, isDatabaseUnavailable } from '../../src/db/dialect';

describe('isDatabaseUnavailable', () => {
  it('recognises mysql2 failing to reach the server, directly and as a cause', async () => {
    const pool = createPool({ uri: 'mysql://nobody:nothing@127.0.0.1:1/none' });
    const error = await pool.query('select 1').catch((e: unknown) => e);
    await pool.end();
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(new Error('query failed', { cause: error }))).toBe(true);
  });

  it('recognises it through Kysely', async () => {
    const db = createDatabase({ url: 'mysql://nobody:nothing@127.0.0.1:1/none' });
    const error = await db
      .selectFrom('users')
      .selectAll()
      .execute()
      .catch((e: unknown) => e);
    await db.destroy();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('does not blame the database for a client that hung up, or for a bad query', () => {
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(isDatabaseUnavailable(aborted)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("Table 'x' doesn't exist"), { code: 'ER_NO_SUCH_TABLE' }))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
