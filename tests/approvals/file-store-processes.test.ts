import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileReceiptStore } from "enact-sdk";
import { describeAcrossProcesses } from "./processes.js";

describeAcrossProcesses("the file store", async () => {
  const directory = await mkdtemp(join(tmpdir(), "enact-approval-procs-"));
  return { childStore: { kind: "file", directory }, store: new FileReceiptStore(directory), scratch: directory };
});
