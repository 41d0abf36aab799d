// Reference for cold-start: the least a Node HTTP server can do to answer /healthz. CommonJS, so
// node:http is required, never imported: Node builds no module namespace for it and never runs its
// getters that load the built-in undici (see bare-http-server.mjs). The bundled server is CommonJS
// too (dist/server.cjs), so it never pays that either.
'use strict';
const { createServer } = require('node:http');

const server = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
