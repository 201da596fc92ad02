import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresDemo } from "../../examples/postgres-demo.js";
import { TEST_SECRET } from "../support/context.js";

describe("examples/postgres-demo", () => {
  it("shows a PASS, a duplicate detected and a BLOCK, with one receipt each", async () => {
    const receiptDir = await mkdtemp(join(tmpdir(), "enact-postgres-demo-"));
    const lines: string[] = [];
    await postgresDemo({ secret: TEST_SECRET, receiptDir, log: (line) => lines.push(line) });
    const text = lines.join("\n");
    expect(text).toMatch(/decision: {2}PASS {3}success: true\n[\s\S]*postgres\.insert_row → done/);
    expect(text).toContain("postgres.insert_row → already done (row exists)");
    expect(text).toMatch(/decision: {2}BLOCK {3}success: false\n[\s\S]*FAIL {2}protect_tables: Table 'payments' is protected/);
    expect(text).toContain("Rows in leads: 1");
    expect((await readdir(receiptDir)).filter((name) => name.endsWith(".json"))).toHaveLength(3); // not journal/
  });
});
