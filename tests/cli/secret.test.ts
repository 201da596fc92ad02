import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { FileReceiptStore, type Receipt } from "enact-sdk";
import { editReceiptFile, fileOf, fillStore, makeReceipt, runCli, tempDirectory } from "../support/cli.js";

const WRONG = "wrong-secret-from-staging-0123456789abcdef";
const HINT = "hint: No receipt signature and no journal MAC checks out under this ENACT_SECRET: it is most likely not the secret";

describe("enact-sdk with the wrong secret", () => {
  it("verify says the secret is most likely wrong when nothing checks out under it", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 4, 1);
    const { code, stdout } = await runCli(["verify", directory], { env: { ENACT_SECRET: WRONG } });
    expect(code).toBe(1);
    expect(stdout).toContain("0 valid, 4 invalid");
    expect(stdout).toContain(HINT);
  });

  it("verify --json flags secretLikelyWrong", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 2, 1);
    const wrong = await runCli(["verify", directory, "--json"], { env: { ENACT_SECRET: WRONG } });
    expect(JSON.parse(wrong.stdout)).toMatchObject({ ok: false, secretLikelyWrong: true });
    const right = await runCli(["verify", directory, "--json"]);
    expect(JSON.parse(right.stdout)).toMatchObject({ ok: true, secretLikelyWrong: false });
  });

  it("verify does not blame the secret when the journal checks out and one receipt was edited", async () => {
    const directory = await tempDirectory();
    const [first] = (await fillStore(directory, 3, 1)) as [Receipt];
    await editReceiptFile(directory, first, (json) => (json.decision = "BLOCK"));
    const { code, stdout } = await runCli(["verify", directory]);
    expect(code).toBe(1);
    expect(stdout).not.toContain("hint:");
  });

  it("verify does not blame the secret when one journal line is forged and the receipts check out", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 3, 1);
    const journalOf = `${directory}/journal/000000000000.jsonl`;
    await writeFile(journalOf, (await readFile(journalOf, "utf8")).replace(/"mac":"[0-9a-f]{64}"/, `"mac":"${"0".repeat(64)}"`));
    const { stdout } = await runCli(["verify", directory]);
    expect(stdout).not.toContain("hint:");
  });

  it("show says the secret is most likely wrong", async () => {
    const directory = await tempDirectory();
    const [receipt] = (await fillStore(directory, 2, 1)) as [Receipt];
    const { code, stderr } = await runCli(["show", receipt.runId, directory], { env: { ENACT_SECRET: WRONG } });
    expect(code).toBe(1);
    expect(stderr).toContain(HINT);
  });

  it("list says the secret is most likely wrong when no signature checks out", async () => {
    const directory = await tempDirectory();
    await fillStore(directory, 2, 1);
    const wrong = await runCli(["list", directory], { env: { ENACT_SECRET: WRONG } });
    expect(wrong.stderr).toContain("hint: No receipt signature checks out under this ENACT_SECRET");
    const right = await runCli(["list", directory]);
    expect(right.stderr).toBe("");
  });
});

describe("enact-sdk and a short secret", () => {
  it("refuses an ENACT_SECRET shorter than the library accepts, with exit 3", async () => {
    const directory = await tempDirectory();
    const { code, stdout, stderr } = await runCli(["verify", directory], { env: { ENACT_SECRET: "short" } });
    expect(code).toBe(3);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error: ENACT_SECRET is 5 characters; at least 32 are required .*--allow-insecure-secret/);
  });

  it("refuses a short secret from .env too", async () => {
    const cwd = await tempDirectory();
    await writeFile(`${cwd}/.env`, "ENACT_SECRET=abc\n");
    expect((await runCli(["list", cwd], { cwd, env: { ENACT_SECRET: undefined } })).code).toBe(3);
  });

  it("audits a store signed with a short secret when --allow-insecure-secret is given", async () => {
    const directory = await tempDirectory();
    const store = new FileReceiptStore(directory, { secret: "demo" });
    const receipt = makeReceipt({}, "demo");
    await store.write(receipt);
    await store.flush();
    expect(await readFile(fileOf(directory, receipt), "utf8")).toContain(receipt.runId);
    const { code, stdout } = await runCli(["verify", directory, "--allow-insecure-secret"], { env: { ENACT_SECRET: "demo" } });
    expect(code).toBe(0);
    expect(stdout).toContain("1 valid");
  });
});
