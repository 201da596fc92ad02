import { MemoryReceiptStore } from "enact-sdk";
import { describeIdempotency } from "./shared.js";

describeIdempotency("the memory store", () => new MemoryReceiptStore());
