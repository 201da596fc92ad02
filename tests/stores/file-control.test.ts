import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { FileReceiptStore } from "enact-sdk";
import { TEMPORARY_DIRECTORY } from "../support/temporary.js";

// Approvals, the kill switch and thermal cutouts of the file store, as files where docs/stores.md
// says they live: `approvals/`, `control/` and `cutout/` of the receipt directory.

let directory: string;
let store: FileReceiptStore;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "enact-file-control-"));
  store = new FileReceiptStore(directory);
});

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

describe("the file store's control files", () => {
  it("keeps each approval stage as given in approvals/<id>.<stage>.json", async () => {
    const id = randomUUID();
    expect(await store.putApprovalStage(id, "request", '{"signed":"request"}')).toBe(true);
    expect(await store.putApprovalStage(id, "decision", '{"signed":"decision"}')).toBe(true);
    expect((await readdir(join(directory, "approvals"))).filter((name) => name !== TEMPORARY_DIRECTORY).sort()).toEqual([`${id}.decision.json`, `${id}.request.json`]);
    expect(await readFile(join(directory, "approvals", `${id}.request.json`), "utf8")).toBe('{"signed":"request"}');
  });

  it("keeps the kill switch in control/halt.json", async () => {
    await store.setHalt('{"signed":"halt"}');
    expect(await readdir(join(directory, "control"))).toEqual(["halt.json"]);
    expect(await readFile(join(directory, "control", "halt.json"), "utf8")).toBe('{"signed":"halt"}');
  });

  it("keeps a cutout's state in cutout/<sha256(key)>.json, and no lock once the update is done", async () => {
    const state = { times: [1_000, 2_000], blockedUntil: 0 };
    expect(await store.updateCutout("billing:refund", () => [state, "done"])).toBe("done");
    expect(await readdir(join(directory, "cutout"))).toEqual([`${sha256("billing:refund")}.json`]);
    expect(JSON.parse(await readFile(join(directory, "cutout", `${sha256("billing:refund")}.json`), "utf8"))).toEqual(state);
  });
});

describe("approval ids", () => {
  it.each([["00000000-0000-4000-8000-00000000000A"], ["../escaped"], [""]])("refuses to write approval %j, naming it, before creating anything", async (id) => {
    const refusal: unknown = await store.putApprovalStage(id, "request", "{}").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TypeError);
    expect((refusal as TypeError).message).toBe(`An approval id must be a lowercase UUID, got ${JSON.stringify(id)}`);
    expect(await readdir(directory)).toEqual([]);
  });

  it("reads no stages for an id that is not a lowercase UUID, even where a file of that name exists", async () => {
    await writeFile(join(directory, "escaped.request.json"), '{"outside":"approvals"}');
    expect(await store.getApprovalStages("../escaped")).toEqual({});
    const upper = "00000000-0000-4000-8000-00000000000A";
    await mkdir(join(directory, "approvals"));
    await writeFile(join(directory, "approvals", `${upper}.request.json`), '{"written":"by hand"}');
    expect(await store.getApprovalStages(upper)).toEqual({});
  });
});

describe("reading control files", () => {
  it("answers nothing for records never written", async () => {
    expect(await store.getApprovalStages(randomUUID())).toEqual({});
    expect(await store.getHalt()).toBeUndefined();
    expect(await store.listApprovals()).toEqual([]);
  });

  it("fails, rather than answer 'not halted', when the halt record cannot be read", async () => {
    await mkdir(join(directory, "control", "halt.json"), { recursive: true });
    await expect(store.getHalt()).rejects.toMatchObject({ code: "EISDIR" });
  });

  it("fails, rather than answer 'no stages', when a stage cannot be read", async () => {
    const id = randomUUID();
    await mkdir(join(directory, "approvals", `${id}.use.json`), { recursive: true });
    await expect(store.getApprovalStages(id)).rejects.toMatchObject({ code: "EISDIR" });
  });

  it("fails, rather than list no approvals, when approvals/ is not a directory", async () => {
    await writeFile(join(directory, "approvals"), "not a directory");
    await expect(store.listApprovals()).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});

describe("writing approval stages", () => {
  it("reports a stage already written as not written, and keeps the first", async () => {
    const id = randomUUID();
    expect(await store.putApprovalStage(id, "use", '{"run":"first"}')).toBe(true);
    expect(await store.putApprovalStage(id, "use", '{"run":"second"}')).toBe(false);
    expect(await store.getApprovalStages(id)).toEqual({ use: '{"run":"first"}' });
  });

  it("fails a stage it could not write, rather than report it taken by another writer", async () => {
    await mkdir(join(directory, "approvals"));
    await writeFile(join(directory, "approvals", TEMPORARY_DIRECTORY), "not a directory");
    await expect(store.putApprovalStage(randomUUID(), "use", "{}")).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});
