import { describe, expect, it } from "vitest";
import { EnactClient, FileReceiptStore } from "enact-sdk";
import { TEST_SECRET } from "./support/context.js";

describe("the default receipt store", () => {
  it("is a file store in the directory receipts", () => {
    const store = new EnactClient({ secret: TEST_SECRET }).receiptStore;
    expect(store).toBeInstanceOf(FileReceiptStore);
    expect((store as FileReceiptStore).directory).toBe("receipts");
  });

  it("is a file store in receiptDir when one is given", () => {
    const store = new EnactClient({ secret: TEST_SECRET, receiptDir: "elsewhere/receipts" }).receiptStore;
    expect((store as FileReceiptStore).directory).toBe("elsewhere/receipts");
  });
});
