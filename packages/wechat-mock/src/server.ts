/**
 * Starts the WeChat mock on a port (0 = any free one). Its entry points refuse production
 * (assertMockAllowed): it hands out login codes for any user name, never to be next to real users.
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

/** The mock's entry points call this with NODE_ENV: it must never run next to real users. */
export function assertMockAllowed(nodeEnv: string | undefined): void {
  if (nodeEnv === 'production') throw new Error('The WeChat mock cannot run with NODE_ENV=production.');
}

export async function startWeChatMock(options: MockOptions & { port?: number; host?: string }): Promise<RunningWeChatMock> {
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
        world.pay.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
