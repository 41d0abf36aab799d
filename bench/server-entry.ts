/**
 * The benchmarks' server: the production server (the same startServer, bundled with the same
 * options by bench/build-server.mjs) plus the reference route the tRPC host is compared with:
 * user.me's work (verify the access token, select the user by primary key, answer JSON) as a
 * plain Fastify route. Production code carries no such route.
 */
import { getUser } from '@app/api';
import { startServer } from '@app/server';

await startServer({
  extend: (app, services) => {
    app.get('/bench/user-me', async (request) => {
      const session = await services.auth.authenticate(request.headers.authorization ?? null);
      return getUser(services, session.userId);
    });
  },
});
