/**
 * @app/trpc-host: tRPC 11's HTTP protocol served straight from Fastify, for any router. See
 * README.md for what it serves, what it leaves to the official adapter, and how it is checked.
 */
export { leanTrpcHost, type AroundCall, type LeanHostOptions, type ProcedureCallInfo } from './lean-host';
export { fastCallerCoverage, type FastCallerCoverage } from './router-plan';
export { serializeLikeSuperjson } from './fast-superjson';
export type { CompileOutputSchema, OutputSchema } from './procedure-caller';
