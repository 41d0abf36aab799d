/**
 * The benchmarks' server: the production server (the same startServer, bundled with the same
 * options by bench/build-server.mjs) plus the reference route the tRPC host is compared with:
 * user.me's work (verify the access token, select the user by primary key, answer JSON) as a
 * plain Fastify route; two steps between it and user.me; and /bench/memory, for the soak.
 * Production code carries no such route.
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { getUser, type Services } from '@app/api';
import { startServer } from '@app/server';
import { userSchema } from '@app/shared';
import { serializeLikeSuperjson } from '@app/trpc-host';
import { compile } from 'zod/mini';

/** The reference route's work: the access token verified, the user selected by primary key. */
async function userMeWork(services: Services, authorization: string | undefined) {
  const session = await services.auth.authenticate(authorization ?? null);
  return getUser(services, session.userId);
}

/** user.me's output schema as the server's host validates with it (plugins/trpc.ts, compileOutputSchema). */
const compiledUserSchema = compile(userSchema);

/** A user as the lean host answers a batch of one user.me: superjson's form, in tRPC's JSON. */
const asHostAnswers = (user: unknown) => `[{"result":{"data":${JSON.stringify(serializeLikeSuperjson(user))}}}]`;

await startServer({
  extend: (app, services) => {
    app.get('/bench/user-me', (request) => userMeWork(services, request.headers.authorization));
    // Steps from the bare route to user.me, for where the host's extra CPU goes (http-load.mjs): the
    // same work answered as the host writes it, then with user.me's output validation as well.
    app.get('/bench/user-me/text', async (request, reply) => {
      const user = await userMeWork(services, request.headers.authorization);
      return reply.header('content-type', 'application/json').send(asHostAnswers(user));
    });
    app.get('/bench/user-me/validated', async (request, reply) => {
      const user = compiledUserSchema.parse(await userMeWork(services, request.headers.authorization));
      return reply.header('content-type', 'application/json').send(asHostAnswers(user));
    });
    // For the soak: where the process's memory is (V8's heap by space, buffers outside it), so that
    // growth of the RSS can be told apart from growth of the live objects.
    app.get('/bench/memory', () => {
      const heap = getHeapStatistics();
      return {
        ...process.memoryUsage(),
        // V8's heap as resident (heapTotal is as reserved: pages it has not touched yet count there).
        heapPhysical: heap.total_physical_size,
        malloced: heap.malloced_memory,
        spaces: Object.fromEntries(
          getHeapSpaceStatistics().map((space) => [space.space_name, { size: space.space_size, physical: space.physical_space_size }]),
        ),
      };
    });
  },
});
