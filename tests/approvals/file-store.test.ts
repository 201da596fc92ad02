import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileReceiptStore } from "enact-sdk";
import { describeApprovals } from "./shared.js";

describeApprovals("the file store", async () => new FileReceiptStore(await mkdtemp(join(tmpdir(), "enact-approvals-"))));
