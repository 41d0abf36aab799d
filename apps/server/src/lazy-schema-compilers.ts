/**
 * Fastify's schema compilers (ajv and fast-json-stringify, half a megabyte), loaded the first time
 * a route with a schema asks for one instead of with every start. No route of ours has one today;
 * a plugin or a future route that does gets the very same compilers Fastify would build.
 * The production bundle leaves both packages to node_modules (build.mjs).
 */
import { createRequire } from 'node:module';

type CompilerFactory = (externalSchemas: unknown, options: unknown) => unknown;
type Selector = () => CompilerFactory;

const load = createRequire(import.meta.url);

function lazily(moduleName: string): CompilerFactory {
  let factory: CompilerFactory | undefined;
  return (externalSchemas, options) => {
    factory ??= (load(moduleName) as Selector)();
    return factory(externalSchemas, options);
  };
}

export const lazySchemaCompilers = {
  buildValidator: lazily('@fastify/ajv-compiler'),
  buildSerializer: lazily('@fastify/fast-json-stringify-compiler'),
};
