import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { verifySignature } from "enact-sdk";

const root = fileURLToPath(new URL("../..", import.meta.url));
const DEMO_SECRET = "DEMO-ONLY-quickstart-secret-never-use-in-production";

// `npm run quickstart` is the README's first promise: run it as a user would, in a clean directory.
describe("npm run quickstart", () => {
  it("shows a PASS, a BLOCK with every reason, a caught forgery and the Postgres demo, leaving valid receipts", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "enact-quickstart-"));
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "examples/quickstart.ts")], {
      cwd,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(root, "tsconfig.json"), ENACT_SECRET: "", DATABASE_URL: "" },
    });
    expect(stdout).toContain("decision:  PASS");
    expect(stdout).toContain("FAIL  no_free_mail_domains: Leads from gmail.com are not accepted");
    expect(stdout).toContain("FAIL  agents_only: intruder@elsewhere.net is not one of our agents");
    expect(stdout).toContain("INVALID — tampering detected");
    expect(stdout).toContain("already done");
    expect(stdout).toContain("FAIL  protect_tables");
    const files = (await readdir(join(cwd, "receipts"))).filter((name) => name.endsWith(".json")); // not journal/
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      expect(verifySignature(JSON.parse(await readFile(join(cwd, "receipts", file), "utf8")), DEMO_SECRET)).toBe(true);
    }
  }, 120_000);
});
