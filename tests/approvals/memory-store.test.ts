import { MemoryReceiptStore } from "enact-sdk";
import { describeApprovals, describeWithoutControl } from "./shared.js";

describeApprovals("the memory store", async () => new MemoryReceiptStore());
describeWithoutControl(async () => new MemoryReceiptStore());
