import { healthOutputSchema } from '@app/shared';
import { pingDatabase } from '../../db/dialect';
import { publicProcedure } from '../../trpc';

/** Root `health` query: the app's first call, and a probe of the whole chain down to the database. */
export const healthProcedure = publicProcedure.output(healthOutputSchema).query(async ({ ctx }) => {
  const dbUp = await pingDatabase(ctx.db);
  return { ok: dbUp, version: ctx.version, db: dbUp ? 'up' : 'down', time: ctx.clock.now() } as const;
});
