/**
 * The environment of a process started from Node (a Taro build, one of the app's scripts; the
 * tests start them as a developer would from a shell): this process's, with `overrides`, and
 * without the variables an override sets to undefined. Builds read it in config/index.ts.
 */
export function buildProcessEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
