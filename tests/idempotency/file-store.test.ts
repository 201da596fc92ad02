import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileReceiptStore } from "enact-sdk";
import { describeIdempotency } from "./shared.js";

describeIdempotency("the file store", async () => new FileReceiptStore(await mkdtemp(join(tmpdir(), "enact-idem-"))));
