/**
 * The environment of a Taro build started from Node (the tests start one, as a developer would
 * from a shell): this process's, with `overrides`. The build reads it in config/index.ts.
 */
export function buildProcessEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
