/** What other workspaces may use of the server: building it (tests, benchmarks) and its config. */
export { buildApp, type BuildAppOptions } from './app';
export { loadConfig, type Config } from './config';
export { startServer } from './start';
