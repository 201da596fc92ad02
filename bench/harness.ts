import { performance, type EventLoopUtilization } from "node:perf_hooks";

/**
 * Timing primitives for the benchmark. Every figure is compared with a baseline measured in the
 * same process, in interleaved rounds (the order rotates each round), so that drift of a shared
 * machine (other tenants, CPU frequency, page cache) lands on both sides of every ratio.
 */

/** One batch of timed operations. */
export interface Sample {
  /** Per-operation latencies in microseconds. */
  latencies: number[];
  /** Wall-clock time of the batch in milliseconds. */
  elapsedMs: number;
  /**
   * How much of that time the main thread was busy rather than waiting in the event loop for
   * I/O, in milliseconds (event loop utilization). Absent for batches not timed in this thread.
   */
  busyMs?: number;
}

/** Summary of every sample of one subject. */
export interface Stats {
  ops: number;
  p50Us: number;
  p99Us: number;
  opsPerSec: number;
  /**
   * Share of the wall-clock time the main thread was busy (0–1). Near 1, operations are bound by
   * this thread's CPU: more in flight cannot overlap anything more. Undefined when not measured.
   */
  mainThreadBusy?: number;
}

/** A subject: `prepare` runs untimed before each round (fresh stores, directories) and returns the timed batch. */
export interface Subject {
  prepare?: () => Promise<void> | void;
  batch: () => Promise<Sample>;
  cleanup?: () => Promise<void> | void;
}

type Op = () => unknown;

/** Runs `op` back to back, awaiting each, for at least `ms` milliseconds. */
export async function sequential(op: Op, ms: number): Promise<Sample> {
  const latencies: number[] = [];
  const loop = performance.eventLoopUtilization();
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    const before = now;
    await op();
    now = performance.now();
    latencies.push((now - before) * 1000);
  }
  return { latencies, elapsedMs: now - start, busyMs: busySince(loop) };
}

/** Keeps `inFlight` calls of `op` running for at least `ms` milliseconds; latency is call → settle. */
export async function concurrent(op: Op, inFlight: number, ms: number): Promise<Sample> {
  const latencies: number[] = [];
  const loop = performance.eventLoopUtilization();
  const start = performance.now();
  const end = start + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const before = performance.now();
      await op();
      latencies.push((performance.now() - before) * 1000);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { latencies, elapsedMs: performance.now() - start, busyMs: busySince(loop) };
}

/** Synchronous `op` back to back for at least `ms` milliseconds. */
export function synchronous(op: () => unknown, ms: number): Sample {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    const before = now;
    op();
    now = performance.now();
    latencies.push((now - before) * 1000);
  }
  // Nothing here yields to the event loop: the thread is busy throughout.
  return { latencies, elapsedMs: now - start, busyMs: now - start };
}

function busySince(start: EventLoopUtilization): number {
  return performance.eventLoopUtilization(start).active;
}

/**
 * Measures every subject in `rounds` interleaved rounds (plus one discarded warm-up round), the
 * order rotating each round, and summarizes each subject over all its rounds.
 */
export async function interleave<K extends string>(subjects: Record<K, Subject>, rounds: number): Promise<Record<K, Stats>> {
  const names = Object.keys(subjects) as K[];
  const samples = new Map<K, Sample[]>(names.map((name) => [name, []]));
  for (let round = -1; round < rounds; round++) {
    const offset = Math.max(round, 0) % names.length;
    const order = [...names.slice(offset), ...names.slice(0, offset)];
    for (const name of order) {
      const subject = subjects[name];
      await subject.prepare?.();
      const sample = await subject.batch();
      await subject.cleanup?.();
      if (round >= 0) samples.get(name)?.push(sample);
    }
  }
  const stats = {} as Record<K, Stats>;
  for (const name of names) stats[name] = summarize(samples.get(name) ?? []);
  return stats;
}

/** Percentiles and rate over several samples. */
export function summarize(samples: readonly Sample[]): Stats {
  const latencies = samples.flatMap((sample) => sample.latencies).sort((a, b) => a - b);
  const elapsedMs = samples.reduce((total, sample) => total + sample.elapsedMs, 0);
  const stats: Stats = {
    ops: latencies.length,
    p50Us: percentile(latencies, 0.5),
    p99Us: percentile(latencies, 0.99),
    opsPerSec: elapsedMs === 0 ? 0 : (latencies.length / elapsedMs) * 1000,
  };
  if (elapsedMs > 0 && samples.every((sample) => sample.busyMs !== undefined)) {
    stats.mainThreadBusy = Math.min(1, samples.reduce((total, sample) => total + (sample.busyMs ?? 0), 0) / elapsedMs);
  }
  return stats;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
