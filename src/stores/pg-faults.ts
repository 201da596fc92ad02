import { setTimeout as delay } from "node:timers/promises";

// SQLSTATEs of a server that dropped or refused the connection (class 08, and the admin, crash
// and startup shutdowns of class 57P: restart, failover, pg_terminate_backend), and of a server
// too busy to take one more connection.
const FAULT_STATES = /^(08...|57P0[1-3]|53300)$/;
const FAULT_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
// pg's own errors for a lost connection carry no code, only these messages.
const FAULT_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection closed/i;

/**
 * True when `error` says the connection to the database failed (dropped, refused, timed out),
 * not that the database refused the statement: the same statement may succeed on a new connection.
 */
export function isConnectionFault(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (FAULT_STATES.test(code) || FAULT_CODES.has(code))) return true;
  return typeof message === "string" && FAULT_MESSAGES.test(message);
}

/**
 * Pauses before each retry: about 4 s in all, long enough to ride out a restart or a failover's
 * first seconds, short enough that a caller whose run already changed things is not held for long.
 */
const RETRY_PAUSES_MS = [50, 150, 400, 1000, 2500] as const;

/**
 * Runs `attempt(n)` (n = `first`, `first` + 1, ...) until it resolves, retrying only connection faults, at most
 * `RETRY_PAUSES_MS.length` times; any other error, or the last fault, is thrown. `attempt` must be
 * safe to repeat: the failed try may have committed before its connection dropped.
 */
export async function retryConnectionFaults<T>(attempt: (n: number) => Promise<T>, first = 0): Promise<T> {
  // `first` > 0: that many tries already failed with a fault (the caller made them itself); pause, then go on.
  if (first > 0) await delay(RETRY_PAUSES_MS[first - 1] as number);
  for (let n = first; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      const pause = RETRY_PAUSES_MS[n];
      if (pause === undefined || !isConnectionFault(error)) throw error;
      await delay(pause);
    }
  }
}
