import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { canonicalBytes } from "../../src/index.js";
import { MemoryReceiptStore, ReceiptSigner, type Receipt } from "../../src/index.js";
import { Ed25519ReceiptSigner } from "../../src/signing/ed25519-signer.js";
import { verifyReceiptWithPublicKey } from "../../src/signing/public-key-verification.js";
import { useOpenTelemetryForBenchmark } from "../../src/telemetry.js";
import { client, runNoop, SECRET } from "../fixtures.js";
import { interleave, sequential, synchronous } from "../harness.js";
import type { Report } from "../report.js";
import type { Settings } from "../settings.js";
import { sampleReceipt } from "./signing.js";

const SECTION = "7 verifiable receipts";

/**
 * Issue 25: signing one receipt with Ed25519 against signing the same receipt with HMAC (both
 * with the stored JSON text, as run() does), and verifying it with the public key; and run() with
 * `@opentelemetry/api` installed but no tracer provider against run() as if it were not installed.
 */
export async function governance(report: Report, settings: Settings): Promise<void> {
  await ed25519(report, settings);
  await openTelemetry(report, settings);
}

async function ed25519(report: Report, settings: Settings): Promise<void> {
  const receipt = await sampleReceipt();
  const { signature: _signature, ...rest } = receipt;
  const unsigned = { ...rest, signature: "" } as Receipt;
  const hmac = new ReceiptSigner(SECRET);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const ed = new Ed25519ReceiptSigner({ privateKey, keyId: "bench" });
  const signed = ed.sign(unsigned);
  const keys = { bench: publicKey };
  const bytes = canonicalBytes(signed);
  const ms = settings.batchMs;
  let sink = 0;
  const stats = await interleave(
    {
      hmac: { batch: async () => synchronous(() => (sink += hmac.signWithJson(unsigned).json.length), ms) },
      // The primitives alone, on the canonical bytes: the floor of each signer.
      bareHmac: { batch: async () => synchronous(() => (sink += createHmac("sha256", SECRET).update(bytes).digest("hex").length), ms) },
      bareEd25519: { batch: async () => synchronous(() => (sink += sign(null, bytes, privateKey).length), ms) },
      ed25519: { batch: async () => synchronous(() => (sink += ed.signWithJson(unsigned).json.length), ms) },
      hmacVerify: { batch: async () => synchronous(() => (sink += hmac.verify(receipt) ? 1 : 0), ms) },
      edVerify: { batch: async () => synchronous(() => (sink += verifyReceiptWithPublicKey(signed, keys) ? 1 : 0), ms) },
    },
    settings.rounds,
  );
  if (sink === 0 || !verifyReceiptWithPublicKey(signed, keys)) throw new Error("nothing was computed, or the Ed25519 receipt does not verify");
  const base = "sign with HMAC (ReceiptSigner.signWithJson)";
  report.add(SECTION, base, stats.hmac);
  const edRow = report.add(SECTION, "sign with Ed25519 (same receipt, signWithJson)", stats.ed25519, base);
  report.add(SECTION, "bare HMAC-SHA256 of the canonical bytes", stats.bareHmac);
  report.add(SECTION, "bare Ed25519 sign of the same bytes (node:crypto)", stats.bareEd25519, "bare HMAC-SHA256 of the canonical bytes");
  report.add(SECTION, "verify with HMAC (ReceiptSigner.verify)", stats.hmacVerify);
  report.add(SECTION, "verify with the public key (verifyReceiptWithPublicKey, PEM-free KeyObject)", stats.edVerify, "verify with HMAC (ReceiptSigner.verify)");
  report.target({
    id: "ed25519-signing-cost",
    description: "Ed25519 signing of a receipt, as a multiple of HMAC signing of the same receipt (p50)",
    value: edRow.stats.p50Us / (report.row(SECTION, base).stats.p50Us || Number.NaN),
    unit: "×",
    comparison: "<=",
    limit: 4,
    detail: "p50 of Ed25519 signWithJson ÷ p50 of HMAC signWithJson, one receipt of 5 policy results",
  });
}

async function openTelemetry(report: Report, settings: Settings): Promise<void> {
  let enact = client(new MemoryReceiptStore());
  const fresh = (): void => {
    enact = client(new MemoryReceiptStore());
  };
  const ms = settings.batchMs;
  try {
    const stats = await interleave(
      {
        absent: {
          prepare: () => {
            useOpenTelemetryForBenchmark(false);
            fresh();
          },
          batch: () => sequential(() => runNoop(enact), ms),
        },
        installed: {
          prepare: () => {
            useOpenTelemetryForBenchmark(true);
            fresh();
          },
          batch: () => sequential(() => runNoop(enact), ms),
        },
      },
      settings.rounds,
    );
    const base = "run(), memory store, as if @opentelemetry/api were not installed";
    report.add(SECTION, base, stats.absent);
    const row = report.add(SECTION, "run(), memory store, @opentelemetry/api installed, no provider", stats.installed, base);
    report.target({
      id: "otel-no-provider-overhead",
      description: "OpenTelemetry installed without a provider (p50 above the run without it)",
      value: row.p50OverheadUs ?? Number.NaN,
      unit: "µs",
      comparison: "<=",
      limit: 5,
      detail: "p50 of run() with @opentelemetry/api loadable − p50 with it treated as absent, sequential, 5 policies",
    });
  } finally {
    useOpenTelemetryForBenchmark(true);
  }
}
