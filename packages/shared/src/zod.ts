/**
 * zod for the contracts, configured once for both sides: validation messages in zh-CN, since
 * they reach end users through the error shape and through the mini-program's forms.
 *
 * The mini variant (`zod/mini`): the same validation engine with a functional, tree-shakable API.
 * The mini-program bundles only the checks its schemas use, about 60 KiB less than classic zod,
 * under a 2 MB package cap. The server reads them like any schema (Standard Schema, tRPC).
 * Schema files import `zod/mini` themselves and this module for its configuration: re-exporting
 * zod's namespace from here would make bundlers keep all of it (every locale included).
 */
import { config } from 'zod/mini';
import zhCN from 'zod/v4/locales/zh-CN.js';

config(zhCN());

/** Mini-programs forbid eval: zod must not even try its compiled fast path there. */
export function disallowEval(): void {
  config({ jitless: true });
}
