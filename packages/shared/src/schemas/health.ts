import * as z from 'zod/mini';
import '../zod';

export const healthOutputSchema = z.object({
  ok: z.boolean(),
  version: z.string(),
  db: z.enum(['up', 'down']),
  time: z.date(),
});
export type HealthOutput = z.infer<typeof healthOutputSchema>;
