/**
 * What the host makes of a router, once, at start-up: for each procedure, its type and the caller
 * that runs it. `fastCallerCoverage` reports the same plan, so a test can hold an application's
 * router to "every procedure on the fast caller".
 */
import type { AnyTRPCProcedure, AnyTRPCRouter, TRPCProcedureType } from '@trpc/server';
import { planProcedureCall, type CompileOutputSchema, type ProcedureCall } from './procedure-caller';

export interface PlannedProcedure {
  type: TRPCProcedureType;
  call: ProcedureCall;
}

export interface FastCallerCoverage {
  /** Procedures the fast caller runs. */
  fast: string[];
  /** Procedures run by tRPC's own caller, `procedure(opts)`, and why. */
  fallback: Array<{ path: string; reason: string }>;
  /** Procedures, or lazy parts of the router, the host does not serve at all, and why. */
  unserved: Array<{ path: string; reason: string }>;
}

export interface RouterPlan {
  /** The procedures the host serves, by path; a Map, so no path can reach Object.prototype. */
  procedures: Map<string, PlannedProcedure>;
  /** Procedures of the router that are not in `procedures` (subscriptions). */
  unservedTypes: Map<string, TRPCProcedureType>;
  coverage: FastCallerCoverage;
}

const UNSERVED_SUBSCRIPTION = 'subscription: the host serves no SSE (use the official adapter)';
const UNSERVED_LAZY = 'lazy router: its procedures are unknown at start-up, so the host refuses the router';

/** `compileOutput`: the host's `compileOutputSchema`, for the fast caller's output validation. */
export function planRouter(router: AnyTRPCRouter, compileOutput?: CompileOutputSchema): RouterPlan {
  const procedures = new Map<string, PlannedProcedure>();
  const unservedTypes = new Map<string, TRPCProcedureType>();
  const coverage: FastCallerCoverage = { fast: [], fallback: [], unserved: [] };
  for (const [path, procedure] of Object.entries(router._def.procedures as Record<string, AnyTRPCProcedure | undefined>)) {
    if (procedure === undefined) continue;
    const type = procedure._def.type;
    if (type === 'subscription') {
      unservedTypes.set(path, type);
      coverage.unserved.push({ path, reason: UNSERVED_SUBSCRIPTION });
      continue;
    }
    const plan = planProcedureCall(procedure, compileOutput);
    procedures.set(path, { type, call: plan.call });
    if (plan.kind === 'fast') coverage.fast.push(path);
    else coverage.fallback.push({ path, reason: plan.reason });
  }
  for (const path of Object.keys(router._def.lazy)) coverage.unserved.push({ path, reason: UNSERVED_LAZY });
  return { procedures, unservedTypes, coverage };
}

/**
 * For each procedure of the router: whether the host runs it with the fast caller, or falls back
 * to tRPC's own caller (and why), or does not serve it. An application's test can require
 * `fastCallerCoverage(appRouter).fallback` to be empty.
 */
export function fastCallerCoverage(router: AnyTRPCRouter): FastCallerCoverage {
  return planRouter(router).coverage;
}
