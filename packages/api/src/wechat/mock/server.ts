/**
 * Starts the WeChat mock on a port (0 = any free one). Refuses to run in production: it hands out
 * login codes for any user name, which must never be reachable next to real users.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWeChatMockHandler } from './http';
import { WeChatMockWorld, type MockOptions } from './world';

export interface RunningWeChatMock {
  url: string;
  world: WeChatMockWorld;
  close(): Promise<void>;
}

export function assertMockAllowed(env: string | undefined = process.env.NODE_ENV): void {
  if (env === 'production') throw new Error('The WeChat mock cannot run with NODE_ENV=production.');
}

export async function startWeChatMock(options: MockOptions & { port?: number; host?: string }): Promise<RunningWeChatMock> {
  assertMockAllowed();
  const world = new WeChatMockWorld(options);
  const server: Server = createServer(createWeChatMockHandler(world));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    world,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
