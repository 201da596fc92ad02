import { type ActionResult, buildReceipt, type Receipt, type ReceiptStore, signReceipt } from "enact-sdk";
import { TEST_SECRET } from "./context.js";

/**
 * Stores a receipt listing `actions`, signed with TEST_SECRET. rollback() trusts whatever such a
 * receipt says, so this is how a test hands it what no connector would record (a forged-but-signed run).
 */
export async function storeSignedRun(store: ReceiptStore, actions: ActionResult[], workflow = "signed_by_hand"): Promise<Receipt> {
  const receipt = signReceipt(
    buildReceipt({ workflow, actorEmail: "agent@acme.dev", payload: {}, policyResults: [], decision: "PASS", actionsTaken: actions }),
    TEST_SECRET,
  );
  await store.write(receipt);
  return receipt;
}

/** `receipt` changed by `change` and signed again with TEST_SECRET (same run id), for a fresh store. */
export function resigned(receipt: Receipt, change: (copy: Receipt) => void): Receipt {
  const copy = structuredClone(receipt);
  change(copy);
  return signReceipt({ ...copy, signature: "" }, TEST_SECRET);
}
