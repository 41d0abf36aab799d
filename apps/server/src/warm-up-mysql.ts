/**
 * A MySQL server just good enough for the build's warm-up (warm-up.ts): mysql2's own server side of
 * the protocol (the greeting, the mysql_native_password handshake, text result sets) on a loopback
 * port in the warm-up's process. The build has no MySQL server, and with nothing to talk to, every
 * production start compiled the driver's handshake, query and result-parsing code on its first
 * MySQL query (first connect and query 18 -> 12 ms on the machine that measured it, bench/README.md).
 * It accepts any user and answers every statement with the same row of the column types the
 * server's tables use: the warm-up exercises the driver, not the data.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { Connection } from 'mysql2';

export interface WarmUpMysql {
  /** A DATABASE_URL that reaches it. */
  url: string;
  close(): Promise<void>;
}

// MySQL's protocol constants (https://dev.mysql.com/doc/dev/mysql-server/latest/): column types
// and character sets as the server announces them.
const LONG = 3;
const DATETIME = 12;
const VAR_STRING = 253;
const BINARY_CHARSET = 63;
const UTF8MB4_UNICODE_CI = 224;
const SERVER_STATUS_AUTOCOMMIT = 2;

const column = (name: string, columnType: number, characterSet: number, columnLength: number) => ({
  catalog: 'def',
  schema: 'warm_up',
  table: 'warm_up',
  orgTable: 'warm_up',
  name,
  orgName: name,
  characterSet,
  columnLength,
  columnType,
  flags: 0,
  decimals: 0,
});
const COLUMNS = [
  column('id', LONG, BINARY_CHARSET, 11),
  column('name', VAR_STRING, UTF8MB4_UNICODE_CI, 1020),
  column('created_at', DATETIME, BINARY_CHARSET, 19),
  column('deleted_at', DATETIME, BINARY_CHARSET, 19),
];
const ROWS = [{ id: 1, name: '预热', created_at: '2026-01-01 00:00:00', deleted_at: null }];

/**
 * mysql2's server side keeps counting packets across commands, where the protocol starts every
 * command's exchange at 0 (the client's packet) and each side checks the other's numbers: so the
 * server's answers are numbered here as the protocol has them, or both sides print "got packets
 * out of order".
 */
function answer(connection: Connection, firstSequenceId: number, write: () => void): void {
  connection.sequenceId = firstSequenceId;
  write();
  connection.sequenceId = 0;
}

function serve(connection: Connection): void {
  connection.serverHandshake({
    protocolVersion: 10,
    serverVersion: '10.11.0-MariaDB-warm-up',
    connectionId: 1,
    statusFlags: SERVER_STATUS_AUTOCOMMIT,
    characterSet: UTF8MB4_UNICODE_CI,
    capabilityFlags: 0xffffff,
    // The handshake response is packet 1; the OK that accepts it packet 2.
    authCallback: (_client: unknown, accept: (error: null) => void) => answer(connection, 2, () => accept(null)),
  });
  const resultSet = () => answer(connection, 1, () => connection.writeTextResult(ROWS, COLUMNS));
  connection.on('query', resultSet);
  // mysql2's server side hands statements that begin with SET or PREPARE to this event instead.
  connection.on('stmt_prepare', resultSet);
}

export async function startWarmUpMysql(): Promise<WarmUpMysql> {
  const { createConnection } = await import('mysql2');
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const connection = createConnection({ stream: socket, isServer: true });
    // A client that hangs up (the pool closing) ends the exchange; nothing to report.
    connection.on('error', () => socket.destroy());
    serve(connection);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mysql://warm-up@127.0.0.1:${port}/warm_up`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
