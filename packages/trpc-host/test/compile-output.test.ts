/**
 * `compileOutputSchema`: the host validates results with the parser it returns, asked for once per
 * procedure at its first call (never at start-up), and with zod's own `compile` the answers are the
 * schema's: valid results stripped alike, invalid ones refused alike, async schemas still awaited.
 */
import { initTRPC } from '@trpc/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { compile, z } from 'zod';
import { leanTrpcHost, type CompileOutputSchema, type OutputSchema } from '../src/index';

const t = initTRPC.create({ isDev: false });
const idSchema = z.object({ id: z.number() });
const router = t.router({
  stripped: t.procedure.output(idSchema).query(() => ({ id: 1, secret: 'not in the answer' })),
  invalid: t.procedure.output(idSchema).query(() => ({ id: 'one' }) as unknown as { id: number }),
  asyncChecked: t.procedure
    .output(idSchema.refine((value) => Promise.resolve(value.id > 0), 'id must be positive'))
    .query(() => ({ id: -1 })),
  unchecked: t.procedure.query(() => ({ id: 2 })),
});

async function serve(compileOutputSchema?: CompileOutputSchema): Promise<FastifyInstance> {
  const app = Fastify();
  await leanTrpcHost(app, { router, createContext: () => ({}), maxBatchSize: 5, ...(compileOutputSchema ? { compileOutputSchema } : {}) });
  await app.ready();
  return app;
}

const answer = async (app: FastifyInstance, path: string) => {
  const response = await app.inject({ method: 'GET', url: `/trpc/${path}` });
  return { status: response.statusCode, body: response.json<unknown>() };
};

describe('compileOutputSchema', () => {
  it('is asked once per procedure, at its first call, and the parser it returns makes the answer', async () => {
    const asked: OutputSchema[] = [];
    const app = await serve((schema) => {
      asked.push(schema);
      // A parser whose answers can be told from the schema's own.
      return {
        parse: (value) => ({ ...(schema.parse(value) as object), parsedBy: 'compiled' }),
        parseAsync: (value) => schema.parseAsync(value),
      };
    });
    expect(asked).toEqual([]);
    expect(await answer(app, 'stripped')).toEqual({ status: 200, body: { result: { data: { id: 1, parsedBy: 'compiled' } } } });
    expect(await answer(app, 'stripped')).toEqual({ status: 200, body: { result: { data: { id: 1, parsedBy: 'compiled' } } } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBe(idSchema);
    // A procedure without an output schema asks for nothing.
    await answer(app, 'unchecked');
    expect(asked).toHaveLength(1);
    await app.close();
  });

  it("with zod's compile, answers as the schema itself does", async () => {
    const compiled = await serve((schema) => compile(schema as unknown as z.ZodType));
    const plain = await serve();
    for (const path of ['stripped', 'invalid', 'asyncChecked', 'unchecked']) {
      expect(await answer(compiled, path), path).toEqual(await answer(plain, path));
    }
    expect(await answer(compiled, 'stripped')).toEqual({ status: 200, body: { result: { data: { id: 1 } } } });
    expect(await answer(compiled, 'invalid')).toMatchObject({ status: 500, body: { error: { message: 'Output validation failed' } } });
    expect(await answer(compiled, 'asyncChecked')).toMatchObject({ status: 500, body: { error: { message: 'Output validation failed' } } });
    await Promise.all([compiled.close(), plain.close()]);
  });
});
