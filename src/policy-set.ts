import { createHash } from "node:crypto";
import { ConfigurationError } from "./errors.js";
import { canonicalJson } from "./receipt.js";
import { policyName, policyVersion, type Policy } from "./policy.js";

/** What every receipt says about the policies that decided it (`receipt.policySet`). */
export interface PolicySetIdentity {
  /** The client's `policySetVersion` option, when set: a human label such as a release or commit. */
  version?: string;
  /** 64 lowercase hex digits: see `policySetDigest`. */
  digest: string;
}

/** Format tag of the digested document, so a later format can never collide with this one. */
const POLICY_SET_FORMAT = "enact-sdk policy set v1";

/**
 * The policy-set digest: lowercase hex SHA-256 of the UTF-8 bytes of the RFC 8785 (JCS) form of
 *
 *     { "format": "enact-sdk policy set v1",
 *       "policies": [ { "name": <name>, "version": <declared version> }, ... ] }
 *
 * with one element per policy in the order the client was given them (thermal cutouts included),
 * `name` as `definePolicy` set it (the function's name otherwise, `anonymous_policy` without one)
 * and `version` only when `definePolicy` declared one. Order matters (it is the order results are
 * listed and checked in). Shadow policies are not part of it: they never decide.
 *
 * @example
 * policySetDigest([definePolicy("no_ddl", noDdl, { version: "3" })])
 * // sha256(`{"format":"enact-sdk policy set v1","policies":[{"name":"no_ddl","version":"3"}]}`)
 */
export function policySetDigest(policies: readonly Policy[]): string {
  const document = {
    format: POLICY_SET_FORMAT,
    policies: policies.map((policy) => {
      const version = policyVersion(policy);
      return version === undefined ? { name: policyName(policy) } : { name: policyName(policy), version };
    }),
  };
  return createHash("sha256").update(canonicalJson(document), "utf8").digest("hex");
}

/** The identity a client stamps on its receipts; ConfigurationError for a malformed `policySetVersion`. */
export function policySetIdentity(policies: readonly Policy[], version: unknown): PolicySetIdentity {
  const digest = policySetDigest(policies);
  if (version === undefined) return Object.freeze({ digest });
  if (typeof version !== "string" || version === "" || version.length > 200) {
    throw new ConfigurationError(`policySetVersion must be a string of 1 to 200 characters (e.g. "2026-12-06" or a commit), got ${JSON.stringify(version)}.`);
  }
  return Object.freeze({ version, digest });
}
