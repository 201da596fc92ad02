import type { Stats } from "./harness.js";

/** One measured line of the table. */
export interface Row {
  section: string;
  name: string;
  stats: Stats;
  /** The row this one is compared with (same section), if any. */
  baseline?: string;
  /** ops/s of this row ÷ ops/s of its baseline. */
  rateRatio?: number;
  /** p50 of this row − p50 of its baseline, in µs. */
  p50OverheadUs?: number;
}

/** A target of issue 9, judged on ratios from the same run. */
export interface Target {
  id: string;
  description: string;
  /** The measured figure (NaN when it could not be computed, which counts as missed). */
  value: number;
  unit: "µs" | "×";
  comparison: "<=" | ">=";
  limit: number;
  status: "met" | "missed";
  detail: string;
}

/** Collects rows and targets, prints them, and serializes them for results.json. */
export class Report {
  readonly rows: Row[] = [];
  readonly targets: Target[] = [];
  /** Conditions of this run that make some figures say little (a disk in a slow state, say). */
  readonly warnings: string[] = [];

  /** Adds `stats` under `name`; with `baseline`, the ratio and overhead against that row of the same section. */
  add(section: string, name: string, stats: Stats, baseline?: string): Row {
    const row: Row = { section, name, stats };
    if (baseline !== undefined) {
      const base = this.row(section, baseline);
      row.baseline = baseline;
      row.rateRatio = stats.opsPerSec / base.stats.opsPerSec;
      row.p50OverheadUs = stats.p50Us - base.stats.p50Us;
    }
    this.rows.push(row);
    return row;
  }

  row(section: string, name: string): Row {
    const row = this.rows.find((candidate) => candidate.section === section && candidate.name === name);
    if (row === undefined) throw new Error(`No row ${section} / ${name}`);
    return row;
  }

  target(target: Omit<Target, "status">): void {
    const met = target.comparison === "<=" ? target.value <= target.limit : target.value >= target.limit;
    this.targets.push({ ...target, status: met ? "met" : "missed" });
  }

  warn(text: string): void {
    this.warnings.push(text);
  }

  /** The results as a Markdown table (also readable in a terminal). */
  table(): string {
    const lines = [
      "| section | measurement | ops | p50 µs | p99 µs | ops/s | main thread busy | vs baseline |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ];
    for (const row of this.rows) {
      const versus =
        row.baseline === undefined
          ? "baseline"
          : `${formatRatio(row.rateRatio ?? Number.NaN)} rate, ${formatSigned(row.p50OverheadUs ?? Number.NaN)} µs p50 vs *${row.baseline}*`;
      lines.push(
        `| ${row.section} | ${row.name} | ${row.stats.ops} | ${formatNumber(row.stats.p50Us)} | ${formatNumber(row.stats.p99Us)} | ` +
          `${formatNumber(row.stats.opsPerSec)} | ${formatShare(row.stats.mainThreadBusy)} | ${versus} |`,
      );
    }
    return lines.join("\n");
  }

  targetTable(): string {
    const lines = ["| target | measured | limit | status | how |", "| --- | ---: | ---: | --- | --- |"];
    for (const target of this.targets) {
      const value = target.unit === "×" ? formatRatio(target.value) : `${formatNumber(target.value)} µs`;
      const limit = `${target.comparison} ${target.unit === "×" ? formatRatio(target.limit) : `${target.limit} µs`}`;
      const status = target.status === "met" ? "✅ met" : "❌ MISSED";
      lines.push(`| ${target.description} | ${value} | ${limit} | ${status} | ${target.detail} |`);
    }
    return lines.join("\n");
  }
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A share (0–1) as a whole percentage; "—" when it was not measured. */
export function formatShare(value: number | undefined): string {
  return value === undefined ? "—" : `${Math.round(value * 100)}%`;
}

function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : "—";
}

function formatSigned(value: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${formatNumber(value)}` : "—";
}
