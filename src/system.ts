import { MissingSystemError } from "./errors.js";
import type { WorkflowContext } from "./models.js";

/**
 * The connector registered under `name`, checked to be of the expected class. Workflows and
 * policies call this instead of casting `ctx.systems[name]`, so a missing or mistyped system is
 * a clear error (a failed policy or a workflow error in the receipt), never `undefined.foo()`.
 */
export function requireSystem<T>(
  ctx: Pick<WorkflowContext, "systems">,
  name: string,
  type: abstract new (...args: never[]) => T,
): T {
  const system = ctx.systems[name];
  if (system === undefined || system === null) throw new MissingSystemError(name);
  if (!(system instanceof type)) {
    throw new TypeError(`System '${name}' must be a ${type.name}, got ${describe(system)}.`);
  }
  return system;
}

function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value;
  return value.constructor?.name ?? "object";
}
