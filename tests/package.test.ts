import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

// These tests load the built package (dist/) by its own name, as users do; `npm test` builds first.
const root = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: root });
  return stdout.trim();
}

const SCRIPT = `
  const client = new sdk.EnactClient({ secret: "s".repeat(32), receiptStore: new sdk.MemoryReceiptStore(),
    workflows: [sdk.defineWorkflow("noop", async () => [])] });
  client.run({ workflow: "noop", actorEmail: "a@b.com" }).then(([result, receipt]) =>
    console.log(JSON.stringify({ success: result.success, valid: sdk.verifySignature(receipt, "s".repeat(32)),
      permission: new sdk.PermissionError("x", "y", []) instanceof sdk.EnactError })));
`;

describe("the built package", () => {
  beforeAll(() => {
    if (!existsSync(`${root}/dist/index.js`)) throw new Error("dist/ is missing: run `npm run build` (npm test does it first)");
  });

  it("works from import", async () => {
    const out = await node(["--input-type=module", "-e", `import * as sdk from "enact-sdk"; ${SCRIPT}`]);
    expect(JSON.parse(out)).toEqual({ success: true, valid: true, permission: true });
  });

  it("works from require", async () => {
    const out = await node(["-e", `const sdk = require("enact-sdk"); ${SCRIPT}`]);
    expect(JSON.parse(out)).toEqual({ success: true, valid: true, permission: true });
  });

  it.each(["enact-sdk/policies", "enact-sdk/workflows", "enact-sdk/connectors/postgres", "enact-sdk/connectors/github", "enact-sdk/connectors/hubspot", "enact-sdk/ai", "enact-sdk/openai-agents", "enact-sdk/mcp"])("exposes %s to import and require", async (entry) => {
    await node(["--input-type=module", "-e", `await import(${JSON.stringify(entry)})`]);
    await node(["-e", `require(${JSON.stringify(entry)})`]);
  });

  it("ships types that resolve for ESM and CommonJS consumers", { timeout: 120_000 }, async () => {
    const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
    await expect(node([tsc, "-p", "tests/package/tsconfig.json"])).resolves.toBe("");
  });
});
