import type { PolicyResult, WorkflowContext } from "../models.js";
import { definePolicy } from "../policy.js";

/**
 * Field names treated as PII whatever the payload says. `payload.piiFields` can add names, never
 * remove these: the agent writes the payload, and an agent must not be able to declare `email`
 * harmless. Names are compared case-insensitively, ignoring `_`, `-`, spaces and dots.
 */
export const DEFAULT_PII_FIELDS: readonly string[] = Object.freeze([
  "email",
  "phone",
  "phoneNumber",
  "mobilePhone",
  "ssn",
  "socialSecurityNumber",
  "dateOfBirth",
  "birthDate",
  "dob",
  "address",
  "streetAddress",
  "passportNumber",
  "taxId",
  "nationalId",
  "creditCardNumber",
  "bankAccountNumber",
  "iban",
]);

/**
 * Blocks a contractor from writing PII: when the actor's role is `contractor` and any key of
 * `payload.data` is a PII field ({@link DEFAULT_PII_FIELDS} plus `payload.piiFields`). The role is
 * `ctx.actorRole`, which `EnactClient` resolves from its trusted `actorRoles` option when set, else
 * from `payload.actorRole`. Roles compare case-insensitively. Fails closed: an actor with no known role
 * writing PII is blocked, as is a malformed `data` or `piiFields`. Writing no PII always passes.
 *
 * @example
 * new EnactClient({ actorRoles: { "bot@agency.example": "contractor" }, policies: [contractorCannotWritePii], ... });
 */
export const contractorCannotWritePii = definePolicy("contractor_cannot_write_pii", (ctx: WorkflowContext): PolicyResult => {
  const result = (passed: boolean, reason: string): PolicyResult => ({ policy: "contractor_cannot_write_pii", passed, reason });
  const { data, piiFields } = ctx.payload;
  if (data === undefined) return result(true, "No payload.data; no fields written");
  if (typeof data !== "object" || data === null || Array.isArray(data)) return result(false, "payload.data must be an object of field → value");
  if (piiFields !== undefined && (!Array.isArray(piiFields) || !piiFields.every((field) => typeof field === "string"))) {
    return result(false, "payload.piiFields must be an array of field names");
  }
  const pii = new Set(DEFAULT_PII_FIELDS.map(normalizeField));
  if (piiFields !== undefined) for (const field of piiFields as string[]) pii.add(normalizeField(field));
  const written = Object.keys(data).filter((field) => pii.has(normalizeField(field)));
  if (written.length === 0) return result(true, "No PII fields written");
  const role = actorRole(ctx);
  if (role === undefined) {
    return result(false, `Actor role unknown; writing PII fields (${written.join(", ")}) needs a known non-contractor role`);
  }
  return normalizeRole(role) === "contractor"
    ? result(false, `Contractors cannot write PII fields: ${written.join(", ")}`)
    : result(true, `Role '${role}' may write PII fields`);
});

/**
 * Allows only actors whose role is one of `roles` (compared case-insensitively). The role is
 * `ctx.actorRole`, which `EnactClient` resolves from its trusted `actorRoles` option when set, else
 * from `payload.actorRole`; an actor with no role is blocked.
 *
 * @param roles the allowed roles (at least one non-empty name)
 * @example
 * policies: [requireActorRole(["admin", "revops"])]
 */
export function requireActorRole(roles: readonly string[]): (ctx: WorkflowContext) => PolicyResult {
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((role) => typeof role === "string" && role.trim() !== "")) {
    throw new TypeError("requireActorRole needs a non-empty array of non-empty role names, e.g. requireActorRole([\"admin\"]).");
  }
  const allowed = new Set(roles.map(normalizeRole));
  const listed = roles.join(", ");
  return definePolicy("require_actor_role", (ctx: WorkflowContext): PolicyResult => {
    const result = (passed: boolean, reason: string): PolicyResult => ({ policy: "require_actor_role", passed, reason });
    const role = actorRole(ctx);
    if (role === undefined) return result(false, `Actor has no role; allowed roles: [${listed}]`);
    return allowed.has(normalizeRole(role))
      ? result(true, `Role '${role}' is authorized`)
      : result(false, `Role '${role}' not in allowed roles: [${listed}]`);
  });
}

/**
 * The actor's role: `ctx.actorRole` only. `EnactClient` resolves it — from its trusted `actorRoles`
 * option when set, else from `payload.actorRole` — and leaves it unset when `actorRoles` gives the
 * actor no role. Reading `payload.actorRole` here as well would hand exactly that actor the role it
 * claims for itself, so the payload is never consulted. A context built by hand must set `actorRole`.
 */
function actorRole(ctx: WorkflowContext): string | undefined {
  return nonEmpty(ctx.actorRole);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function normalizeRole(role: string): string {
  return role.trim().toLowerCase();
}

function normalizeField(field: string): string {
  return field.toLowerCase().replace(/[\s_.-]/g, "");
}
