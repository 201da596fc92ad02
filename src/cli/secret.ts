import { join } from "node:path";
import { MIN_SECRET_LENGTH } from "../client-options.js";
import { CliError, ExitCode } from "./exit-codes.js";

/**
 * The receipt secret: `ENACT_SECRET` from the environment, else from `.env` in the current
 * directory. The environment wins over `.env`, as with dotenv everywhere.
 */
export async function loadSecret(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<string> {
  if (env.ENACT_SECRET === undefined || env.ENACT_SECRET === "") {
    // dotenv is loaded only when the environment does not set the secret (CI usually does).
    const { config } = await import("dotenv");
    const parsed = config({ path: join(cwd, ".env"), processEnv: {}, quiet: true }).parsed;
    const fromFile = parsed?.ENACT_SECRET;
    if (fromFile !== undefined && fromFile !== "") return fromFile;
    throw new CliError(
      ExitCode.noSecret,
      "ENACT_SECRET is not set. Set it to the secret your EnactClient signs receipts with, in the environment " +
        "or in a .env file in the current directory (ENACT_SECRET=...).",
    );
  }
  return env.ENACT_SECRET;
}

/**
 * Refuses a secret shorter than the library accepts (`MIN_SECRET_LENGTH`), as `EnactClient` does:
 * receipts signed with a guessable secret prove nothing, and an auditor should learn that from
 * the CLI rather than get an OK. `--allow-insecure-secret` (like `allowInsecureSecret: true`)
 * audits test and demo stores anyway.
 */
export function assertUsableSecret(secret: string, allowInsecure: boolean): void {
  if (secret.length >= MIN_SECRET_LENGTH || allowInsecure) return;
  throw new CliError(
    ExitCode.noSecret,
    `ENACT_SECRET is ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required so receipts cannot be forged ` +
      "by guessing it, and EnactClient refuses shorter ones. Use the secret your EnactClient signs with, or pass " +
      "--allow-insecure-secret to audit a store signed with allowInsecureSecret: true (tests, demos).",
  );
}
