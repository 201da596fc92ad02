import { requireHubSpot, type HubSpotSystem } from "../connectors/hubspot/system.js";
import type { PolicyResult, WorkflowContext } from "../models.js";
import { definePolicy, describeError } from "../policy.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Blocks creating a contact whose `payload.email` already exists, by asking HubSpot (the registered
 * `hubspot` system). Fails closed: no `hubspot` system, or a lookup that fails, blocks. A payload
 * without an email passes (nothing to check), so the policy can be registered next to workflows
 * that do not touch contacts.
 *
 * @example
 * new EnactClient({ systems: { hubspot }, policies: [noDuplicateContacts], workflows: [newLeadWorkflow], secret });
 */
export const noDuplicateContacts = definePolicy("no_duplicate_contacts", async (ctx: WorkflowContext): Promise<PolicyResult> => {
  const result = (passed: boolean, reason: string): PolicyResult => ({ policy: "no_duplicate_contacts", passed, reason });
  const email = ctx.payload.email;
  if (email === undefined || email === null || email === "") return result(true, "No email in payload; no contact to check");
  if (typeof email !== "string") return result(false, "payload.email must be a string");
  const hubspot = hubspotOrReason(ctx, "check for an existing contact");
  if (typeof hubspot === "string") return result(false, hubspot);
  const lookup = await safely(() => hubspot.getContact({ email }));
  if (typeof lookup === "string" || !lookup.success) {
    return result(false, `Could not check HubSpot for an existing contact ${email}: ${failureOf(lookup)}`);
  }
  return lookup.output.found === true
    ? result(false, `Contact ${email} already exists in HubSpot (id=${String(lookup.output.id)})`)
    : result(true, `No existing HubSpot contact for ${email}`);
});

/**
 * Allows at most `maxTasks` tasks per contact in the last `windowDays` days, counting the contact's
 * real tasks in HubSpot (created in the window). The contact is `payload.contactId`, else the one
 * with `payload.email`; a contact that does not exist yet has zero tasks. A request for which one
 * more task would exceed the limit is blocked. HubSpot errors fail closed.
 *
 * @param maxTasks tasks a contact may already have in the window before more are refused (integer ≥ 0)
 * @param windowDays length of the window in days (> 0)
 * @param options.now the clock (default: the system clock)
 * @example
 * policies: [limitTasksPerContact(3, 7)]
 */
export function limitTasksPerContact(
  maxTasks = 3,
  windowDays = 7,
  options: { now?: () => Date } = {},
): (ctx: WorkflowContext) => Promise<PolicyResult> {
  if (!Number.isSafeInteger(maxTasks) || maxTasks < 0) {
    throw new RangeError(`limitTasksPerContact: maxTasks must be an integer ≥ 0, got ${String(maxTasks)}.`);
  }
  if (typeof windowDays !== "number" || !Number.isFinite(windowDays) || windowDays <= 0) {
    throw new RangeError(`limitTasksPerContact: windowDays must be a number > 0, got ${String(windowDays)}.`);
  }
  const now = options.now ?? (() => new Date());
  return definePolicy("limit_tasks_per_contact", async (ctx: WorkflowContext): Promise<PolicyResult> => {
    const result = (passed: boolean, reason: string): PolicyResult => ({ policy: "limit_tasks_per_contact", passed, reason });
    const { contactId, email } = ctx.payload;
    if (contactId === undefined && (email === undefined || email === "")) {
      return result(true, "No contactId or email in payload; no contact to limit");
    }
    if (contactId !== undefined && typeof contactId !== "string" && typeof contactId !== "number") {
      return result(false, "payload.contactId must be a HubSpot object id");
    }
    if (contactId === undefined && typeof email !== "string") return result(false, "payload.email must be a string");
    const hubspot = hubspotOrReason(ctx, "count the contact's tasks");
    if (typeof hubspot === "string") return result(false, hubspot);

    let id = contactId === undefined ? undefined : String(contactId);
    if (id === undefined) {
      const lookup = await safely(() => hubspot.getContact({ email: email as string }));
      if (typeof lookup === "string" || !lookup.success) {
        return result(false, `Could not look up contact ${String(email)} in HubSpot: ${failureOf(lookup)}`);
      }
      if (lookup.output.found !== true) {
        return result(0 < maxTasks, `Contact ${String(email)} does not exist yet, so it has 0 tasks (max ${maxTasks})`);
      }
      id = String(lookup.output.id);
    }
    const clock = now();
    if (!(clock instanceof Date) || Number.isNaN(clock.getTime())) return result(false, "The policy clock returned an invalid date");
    const since = new Date(clock.getTime() - windowDays * DAY_MS);
    const counted = await safely(() => hubspot.countTasksForContact({ contactId: id, since }));
    if (typeof counted === "string" || !counted.success) {
      return result(false, `Could not count tasks of contact ${id} in HubSpot: ${failureOf(counted)}`);
    }
    const count = counted.output.count;
    if (typeof count !== "number") return result(false, `HubSpot returned no task count for contact ${id}`);
    const window = `${count} task(s) created in the last ${windowDays} day(s) (max ${maxTasks})`;
    return count < maxTasks
      ? result(true, `Contact ${id} has ${window}`)
      : result(false, `Contact ${id} already has ${window}; no more tasks allowed`);
  });
}

// The registered HubSpot system, or the reason a policy cannot use one (so it can fail closed).
function hubspotOrReason(ctx: WorkflowContext, purpose: string): HubSpotSystem | string {
  try {
    return requireHubSpot(ctx);
  } catch (error) {
    return `No usable HubSpot system registered, so the policy cannot ${purpose} (${describeError(error)})`;
  }
}

// A PermissionError (action not allowlisted) or a bug in a custom system becomes a reason, not a throw.
async function safely<T>(call: () => Promise<T>): Promise<T | string> {
  try {
    return await call();
  } catch (error) {
    return describeError(error);
  }
}

function failureOf(outcome: string | { output: Record<string, unknown> }): string {
  if (typeof outcome === "string") return outcome;
  const error = outcome.output.error;
  return typeof error === "string" ? error : "unknown error";
}
