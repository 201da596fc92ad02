import { ConfigurationError } from "../errors.js";
import type { PolicyResult, WorkflowContext } from "../models.js";
import { definePolicy, type Policy } from "../policy.js";
import type { CutoutLimits } from "./cutout-window.js";

/** How `thermalCutout` is configured. */
export interface ThermalCutoutOptions extends CutoutLimits {
  /** What is counted together. Default: the actor (`ctx.actorEmail`). */
  key?: (ctx: WorkflowContext) => string;
  /** The policy's name in receipts. Default `thermal_cutout`. */
  name?: string;
}

/** A thermal cutout as `EnactClient` counts it. */
export interface CutoutSpec extends CutoutLimits {
  name: string;
  key: (ctx: WorkflowContext) => string;
}

const SPEC = Symbol("enact-sdk.thermalCutout");

/**
 * At most `max` executed runs per key (default: the actor) within any `windowMs`; the run after
 * that trips the cutout and runs with that key are blocked for `cooldownMs`. Counted in the
 * client's receipt store, so the limit holds across processes and machines sharing it. Only runs
 * that would otherwise execute are counted, once every other check passed.
 *
 * It is enforced by `EnactClient`: called on its own (outside a client) it fails closed.
 *
 * @example
 * const enact = new EnactClient({ policies: [thermalCutout({ max: 10, windowMs: 15 * 60_000, cooldownMs: 5 * 60_000 })] });
 */
export function thermalCutout(options: ThermalCutoutOptions): Policy {
  const { max, windowMs, cooldownMs } = options;
  for (const [field, value] of Object.entries({ max, windowMs, cooldownMs })) {
    if (!Number.isSafeInteger(value) || value < (field === "cooldownMs" ? 0 : 1)) {
      throw new ConfigurationError(`thermalCutout: ${field} must be a ${field === "cooldownMs" ? "non-negative" : "positive"} integer, got ${String(value)}.`);
    }
  }
  const name = options.name ?? "thermal_cutout";
  const spec: CutoutSpec = { name, max, windowMs, cooldownMs, key: options.key ?? ((ctx) => ctx.actorEmail) };
  const policy = definePolicy(name, (): PolicyResult => ({
    policy: name,
    passed: false,
    reason: "A thermal cutout is counted by EnactClient in its receipt store; it cannot be checked on its own.",
  }));
  Object.defineProperty(policy, SPEC, { value: Object.freeze(spec) });
  return policy;
}

/** The cutout a policy made by `thermalCutout` stands for, or undefined for any other policy. */
export function cutoutOf(policy: Policy): CutoutSpec | undefined {
  return (policy as { [SPEC]?: CutoutSpec })[SPEC];
}
