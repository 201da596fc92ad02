import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { verifySignature } from "enact-sdk";

const root = fileURLToPath(new URL("../..", import.meta.url));
const DEMO_SECRET = "DEMO-ONLY-agent-examples-secret-never-use-in-production";

/** Runs an example as a user would (`npx tsx examples/<name>.ts`) in a clean directory. */
async function runExample(name: string): Promise<{ stdout: string; receipts: unknown[] }> {
  const cwd = await mkdtemp(join(tmpdir(), `enact-${name}-`));
  const { stdout } = await promisify(execFile)(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, `examples/${name}.ts`)], {
    cwd,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, "tsconfig.json"), ENACT_SECRET: "", OPENAI_API_KEY: "" },
  });
  const files = (await readdir(join(cwd, "receipts"))).filter((file) => file.endsWith(".json"));
  const receipts = await Promise.all(files.map(async (file) => JSON.parse(await readFile(join(cwd, "receipts", file), "utf8")) as unknown));
  return { stdout, receipts };
}

// Each example: a call that passes, one a policy blocks, one that waits for approval and then runs once.
describe.each([
  ["ai-sdk-agent", "A"],
  ["openai-agent", "B"],
  ["mcp-server", "C"],
])("examples/%s", (name, prefix) => {
  it("passes, blocks with the reason, and runs an approved call once, leaving valid receipts", async () => {
    const { stdout, receipts } = await runExample(name);
    expect(stdout).toMatch(new RegExp(`${prefix}-1: PASS`));
    expect(stdout).toContain(`${prefix}-2: BLOCK`);
    expect(stdout).toContain("refund_limit: Refunds over 1000 are never made by an agent");
    expect(stdout).toMatch(new RegExp(`${prefix}-3: PASS success=true after approval by lead@acme.example`));
    // PASS, BLOCK, PENDING_APPROVAL, approved PASS.
    expect(receipts.map((receipt) => (receipt as { decision: string }).decision).sort()).toEqual(["BLOCK", "PASS", "PASS", "PENDING_APPROVAL"]);
    for (const receipt of receipts) expect(verifySignature(receipt, DEMO_SECRET)).toBe(true);
  }, 120_000);
});
