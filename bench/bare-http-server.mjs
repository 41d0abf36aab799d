// Reference for cold-start (the one the goals have been measured against since they were set): a
// node:http server that answers /healthz, written as an ES module. Importing node:http into an ES
// module makes Node build its module namespace, which reads every export, and three of them
// (WebSocket, CloseEvent, MessageEvent) are getters that load Node's built-in undici: ~23 ms of
// this start on the machine that measured it (bare-http-server.cjs, the least, does not pay it).
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
