import { hash } from "node:crypto";

/**
 * The SHA-256 of a text as 64 lowercase hex digits. `crypto.hash` is the one-shot form: it skips
 * building a Hash object per call, which is measurable where a digest sits in every run (the
 * adapters' idempotency keys, the stores' claim names).
 */
export function sha256Hex(text: string): string {
  return hash("sha256", text, "hex");
}
