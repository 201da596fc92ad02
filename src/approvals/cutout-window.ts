/** How many runs per key may execute, over how long, and how long a trip blocks the key. */
export interface CutoutLimits {
  max: number;
  windowMs: number;
  cooldownMs: number;
}

/** What a store keeps per cutout key: the times (ms) of the latest admitted runs, and any block. */
export interface CutoutState {
  times: number[];
  blockedUntil: number;
}

/** Admitted, or refused until `reopensAt` (ms since the epoch). */
export type CutoutVerdict = { admitted: true } | { admitted: false; reopensAt: number; tripped: boolean };

/**
 * One run asking to execute at `now`: admitted while fewer than `max` runs were admitted within
 * the last `windowMs`, else the key trips and stays blocked for `cooldownMs`, and at least until
 * the window holds fewer than `max` runs again (so "at most `max` in any window" always holds).
 * Pure: each store applies it under its own lock. Only the latest `max` times are kept.
 */
export function admit(current: CutoutState | undefined, now: number, limits: CutoutLimits): [CutoutState, CutoutVerdict] {
  const state = current ?? { times: [], blockedUntil: 0 };
  if (now < state.blockedUntil) return [state, { admitted: false, reopensAt: state.blockedUntil, tripped: false }];
  const recent = state.times.filter((time) => time > now - limits.windowMs);
  if (recent.length >= limits.max) {
    const windowReopens = (recent[recent.length - limits.max] ?? now) + limits.windowMs;
    const blockedUntil = Math.max(now + limits.cooldownMs, windowReopens);
    return [{ times: recent, blockedUntil }, { admitted: false, reopensAt: blockedUntil, tripped: true }];
  }
  recent.push(now);
  return [{ times: recent.slice(-limits.max), blockedUntil: 0 }, { admitted: true }];
}

/** A state read back from a store, or undefined when it is not one (fail closed: see callers). */
export function parseCutoutState(text: string): CutoutState | undefined {
  try {
    const value = JSON.parse(text) as Partial<CutoutState>;
    if (!Array.isArray(value.times) || !value.times.every((time) => typeof time === "number") || typeof value.blockedUntil !== "number") {
      return undefined;
    }
    return { times: value.times, blockedUntil: value.blockedUntil };
  } catch {
    return undefined;
  }
}
