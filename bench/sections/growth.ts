import { MemoryReceiptStore, type EnactClient } from "../../src/index.js";
import { client, DIRECT_CONTEXT, noop, PAYLOAD, runNoop } from "../fixtures.js";
import { interleave, sequential, type Stats, type Subject } from "../harness.js";
import type { Report } from "../report.js";
import type { Settings } from "../settings.js";
import { compareSigning, sampleReceipt } from "./signing.js";

const SECTION = "5 growth";

/** How the cost grows with the number of policies and with the payload's size. */
export async function growth(report: Report, settings: Settings): Promise<void> {
  await policyCounts(report, settings);
  await payloadSizes(report, settings);
}

async function policyCounts(report: Report, settings: Settings): Promise<void> {
  const counts = [1, 10, 100] as const;
  const clients = new Map<number, EnactClient>();
  const subjects: Record<string, Subject> = {
    direct: { batch: () => sequential(() => noop(DIRECT_CONTEXT), settings.batchMs) },
  };
  for (const count of counts) {
    subjects[`policies${count}`] = {
      prepare: () => void clients.set(count, client(new MemoryReceiptStore(), count)),
      batch: () => sequential(() => runNoop(clients.get(count) as EnactClient), settings.batchMs),
    };
  }
  const stats = await interleave(subjects, settings.rounds);
  const base = "workflow called directly, sequential";
  report.add(SECTION, base, measured(stats, "direct"));
  for (const count of counts) {
    report.add(SECTION, `run(), ${count} ${count === 1 ? "policy" : "policies"}, memory store`, measured(stats, `policies${count}`), base);
  }
}

/** A payload of about `bytes` bytes of JSON: rows of a table, as an agent might send. */
function payloadOf(bytes: number): Record<string, unknown> {
  const row = { email: "jane@acme.com", name: "Jane Doe", company: "Acme Corporation", dealValue: 12_000, note: "x".repeat(40) };
  const rowBytes = JSON.stringify(row).length + 1;
  return { ...PAYLOAD, rows: Array.from({ length: Math.max(1, Math.round(bytes / rowBytes)) }, (_, index) => ({ ...row, id: index })) };
}

async function payloadSizes(report: Report, settings: Settings): Promise<void> {
  for (const [label, bytes] of [["1 KB", 1_000], ["100 KB", 100_000], ["1 MB", 1_000_000]] as const) {
    const receipt = await sampleReceipt(payloadOf(bytes));
    const stats = await compareSigning(receipt, { ...settings, rounds: Math.max(2, Math.round(settings.rounds / 2)) }, false);
    const base = `bare HMAC-SHA256, ${label} payload`;
    report.add(SECTION, base, stats.hmac);
    report.add(SECTION, `sign, ${label} payload`, stats.sign, base);
    report.add(SECTION, `verify, ${label} payload`, stats.verify, base);
  }
  // The whole run with a large payload: snapshot, policies, receipt, signature, memory store.
  let enact = client(new MemoryReceiptStore());
  const large = payloadOf(1_000_000);
  const stats = await interleave(
    {
      direct: { batch: () => sequential(() => noop({ ...DIRECT_CONTEXT, payload: large }), settings.batchMs) },
      run: { prepare: () => void (enact = client(new MemoryReceiptStore())), batch: () => sequential(() => runNoop(enact, large), settings.batchMs * 2) },
    },
    Math.max(2, Math.round(settings.rounds / 2)),
  );
  report.add(SECTION, "workflow called directly, 1 MB payload", stats.direct);
  report.add(SECTION, "run(), 1 MB payload, memory store", stats.run, "workflow called directly, 1 MB payload");
}

function measured(stats: Record<string, Stats>, name: string): Stats {
  const found = stats[name];
  if (found === undefined) throw new Error(`No measurement named ${name}`);
  return found;
}
