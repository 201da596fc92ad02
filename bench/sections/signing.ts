import { createHmac } from "node:crypto";
import { canonicalBytes, MemoryReceiptStore, ReceiptSigner, verifySignature, type Receipt } from "../../src/index.js";
import { client, PAYLOAD, SECRET } from "../fixtures.js";
import { interleave, synchronous } from "../harness.js";
import type { Report } from "../report.js";
import type { Settings } from "../settings.js";

const SECTION = "2 sign + verify";

/** A receipt like the ones section 1 produces: 5 policy results, a small payload. */
export async function sampleReceipt(payload: Record<string, unknown> = PAYLOAD): Promise<Receipt> {
  const [, receipt] = await client(new MemoryReceiptStore()).run({ workflow: "noop", actorEmail: "agent@company.com", payload });
  return receipt;
}

/**
 * Signing and verifying one receipt against a bare HMAC-SHA256 of the same canonical bytes: what
 * remains is the canonical serialization (RFC 8785) and the signature's formatting and checks.
 */
export async function signing(report: Report, settings: Settings): Promise<void> {
  const receipt = await sampleReceipt();
  const stats = await compareSigning(receipt, settings);
  const bytes = canonicalBytes(receipt).length;
  const base = `bare HMAC-SHA256 of the ${bytes} canonical bytes`;
  report.add(SECTION, base, stats.hmac);
  report.add(SECTION, "sign, with the stored JSON text (ReceiptSigner.signWithJson, as run() does)", stats.sign, base);
  report.add(SECTION, "verify (ReceiptSigner / client.verifyReceipt)", stats.verify, base);
  report.add(SECTION, "verifySignature(receipt, secret) (imports the key each call)", stats.verifyWithSecret, base);
}

/** Interleaved rounds of bare HMAC, sign, verify for one receipt. */
export async function compareSigning(receipt: Receipt, settings: Settings, withVerifySignature = true) {
  const bytes = canonicalBytes(receipt);
  const key = Buffer.from(SECRET, "utf8");
  const signer = new ReceiptSigner(SECRET);
  const { signature: _signature, ...unsigned } = receipt;
  const unsignedReceipt = { ...unsigned, signature: "" } as Receipt;
  const ms = settings.batchMs;
  let sink = 0;
  const stats = await interleave(
    {
      hmac: { batch: async () => synchronous(() => (sink += createHmac("sha256", key).update(bytes).digest("hex").length), ms) },
      // What run() does: the signature, and the signed receipt's JSON text that the store keeps.
      sign: { batch: async () => synchronous(() => (sink += signer.signWithJson(unsignedReceipt).json.length), ms) },
      verify: { batch: async () => synchronous(() => (sink += signer.verify(receipt) ? 1 : 0), ms) },
      verifyWithSecret: {
        batch: async () => (withVerifySignature ? synchronous(() => (sink += verifySignature(receipt, SECRET) ? 1 : 0), ms) : { latencies: [], elapsedMs: 0 }),
      },
    },
    settings.rounds,
  );
  if (sink === 0) throw new Error("nothing was computed");
  if (!signer.verify(receipt)) throw new Error("the sample receipt does not verify");
  return stats;
}
