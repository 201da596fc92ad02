import { droppedKeys, droppedKeysReason } from "./dropped-keys.js";
import type { Payload, PolicyResult } from "./models.js";
import { describeError } from "./policy.js";
import { describeIssues, type StandardResult, type StandardSchemaV1 } from "./standard-schema.js";

/** The parsed payload, or the `payload_schema` failure that blocks the run. */
export type PayloadCheck = { payload: Payload } | { failure: PolicyResult };

/**
 * Validates a payload with its workflow's Standard Schema (zod, valibot, arktype, ...). Never
 * throws: a schema that throws, rejects, or produces something other than an object is a failure,
 * so the run is a BLOCK with a receipt. Synchronous when the schema is (zod's usually is).
 */
export function checkPayload(schema: StandardSchemaV1, received: Payload): PayloadCheck | Promise<PayloadCheck> {
  let result: StandardResult<unknown> | Promise<StandardResult<unknown>>;
  try {
    result = schema["~standard"].validate(received);
  } catch (error) {
    return threw(error);
  }
  if (result instanceof Promise) return result.then((settled) => judge(settled, received), threw);
  return judge(result, received);
}

function judge(result: StandardResult<unknown>, received: Payload): PayloadCheck {
  try {
    if (result.issues !== undefined) return fail(`Invalid payload: ${describeIssues(result.issues)}`);
    const parsed = result.value;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return fail("The payload schema must produce an object");
    // What the policies check must be everything the receipt records (it records the payload as received).
    const dropped = droppedKeys(received, parsed);
    if (dropped.length > 0) return fail(droppedKeysReason(dropped));
    return { payload: parsed as Payload };
  } catch (error) {
    return fail(`The payload schema returned something unreadable: ${describeError(error)}`);
  }
}

function threw(error: unknown): PayloadCheck {
  // A refinement that throws is the schema failing, not a reason to run without a receipt.
  return fail(`The payload schema threw: ${describeError(error)}`);
}

function fail(reason: string): PayloadCheck {
  return { failure: { policy: "payload_schema", passed: false, reason } };
}
