import { access, constants, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { colorsFor } from "../../src/cli/output.js";
import { CLI_SECRET, fillStore, ROOT, runCli, runNode, tempDirectory } from "../support/cli.js";

describe("enact-sdk: secret, store and usage errors", () => {
  it("exits 3 with a clear message when ENACT_SECRET is set nowhere", async () => {
    const cwd = await tempDirectory();
    const { code, stderr, stdout } = await runCli(["verify", cwd], { cwd, env: { ENACT_SECRET: undefined } });
    expect(code).toBe(3);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: ENACT_SECRET is not set\. .*\.env file in the current directory/);
  });

  it("reads ENACT_SECRET from .env in the current directory", async () => {
    const cwd = await tempDirectory();
    await fillStore(join(cwd, "receipts"), 2);
    await writeFile(join(cwd, ".env"), `# test\nENACT_SECRET=${CLI_SECRET}\n`);
    const { code, stdout } = await runCli(["verify"], { cwd, env: { ENACT_SECRET: undefined } });
    expect(code).toBe(0);
    expect(stdout).toContain("Verifying receipts in receipts");
    expect(stdout).toContain("2 valid");
  });

  it("prefers the environment's ENACT_SECRET over .env", async () => {
    const cwd = await tempDirectory();
    await fillStore(join(cwd, "receipts"), 1);
    await writeFile(join(cwd, ".env"), "ENACT_SECRET=wrong-secret-wrong-secret-wrong-secret\n");
    expect((await runCli(["verify"], { cwd })).code).toBe(0);
  });

  it("exits 4 when the receipt directory does not exist", async () => {
    const cwd = await tempDirectory();
    const { code, stderr } = await runCli(["list", "no-such-dir"], { cwd });
    expect(code).toBe(4);
    expect(stderr).toBe("error: Receipt directory no-such-dir does not exist. Pass the directory your EnactClient writes receipts to.\n");
  });

  it("exits 4 when the path is a file, not a directory", async () => {
    const cwd = await tempDirectory();
    await writeFile(join(cwd, "file"), "");
    expect((await runCli(["verify", "file"], { cwd })).code).toBe(4);
  });

  it("verifies an empty directory as all well", async () => {
    const cwd = await tempDirectory();
    await mkdir(join(cwd, "receipts"));
    const { code, stdout } = await runCli(["verify"], { cwd });
    expect(code).toBe(0);
    expect(stdout).toContain("0 valid, 0 invalid, 0 missing, 0 unreadable (0 in all)");
  });

  it.each([[["bogus"]], [["verify", "--bogus"]], [["show"]], [[]]])("exits 2 for the usage error %j", async (args) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).not.toBe("");
  });

  it("exits 0 for --help and documents the exit codes", async () => {
    const { code, stdout } = await runCli(["verify", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Exit codes:");
    expect(stdout).toContain("3   ENACT_SECRET not set (environment or .env), or shorter than 32 characters");
  });

  it("writes no colour codes when output is not a terminal, even if FORCE_COLOR or CI is set", async () => {
    const cwd = await tempDirectory();
    await fillStore(join(cwd, "receipts"), 1);
    for (const env of [{}, { FORCE_COLOR: "1" }, { CI: "true" }]) {
      const results = await Promise.all([runCli(["verify"], { cwd, env }), runCli(["list"], { cwd, env }), runCli(["bogus"], { cwd, env })]);
      for (const { stdout, stderr } of results) expect(stdout + stderr).not.toContain("\u001b");
    }
  });

  it("colours a terminal unless NO_COLOR is set", () => {
    expect(colorsFor({ isTTY: true }, {}).red("x")).toContain("\u001b[31m");
    expect(colorsFor({ isTTY: true }, { NO_COLOR: "1" }).red("x")).toBe("x");
    expect(colorsFor({ isTTY: true }, { NO_COLOR: "" }).red("x")).toContain("\u001b[31m");
    expect(colorsFor({ isTTY: false }, {}).red("x")).toBe("x");
  });

  it("ships as the package bin: dist/cli.js is executable and runs", async () => {
    const bin = join(ROOT, "dist/cli.js");
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ "enact-sdk": "./dist/cli.js" });
    await access(bin, constants.X_OK); // npm test builds dist/ first
    expect((await readFile(bin, "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
    const cwd = await tempDirectory();
    await fillStore(join(cwd, "receipts"), 3);
    const { code, stdout } = await runNode([bin, "verify"], { cwd });
    expect(code).toBe(0);
    expect(stdout).toContain("3 valid");
  });
});
