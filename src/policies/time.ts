import type { PolicyResult, WorkflowContext } from "../models.js";
import { definePolicy } from "../policy.js";

/**
 * Allows actions only inside a daily UTC window `[startHourUtc:00, endHourUtc:00)`. A window whose
 * start is after its end crosses midnight: `withinMaintenanceWindow(22, 6)` allows 22:00–05:59 UTC.
 * Hours must be integers 0–23 and differ (a zero-length window would never, or — read the other
 * way — always, allow; neither is worth guessing, so it is refused at construction).
 *
 * @param startHourUtc first hour of the window, 0–23
 * @param endHourUtc hour at which the window closes, 0–23 (exclusive)
 * @param options.now the clock (default: the system clock)
 * @throws TypeError for a non-integer hour, RangeError for an hour outside 0–23 or start === end
 * @example
 * policies: [withinMaintenanceWindow(22, 6)] // nightly, across midnight
 */
export function withinMaintenanceWindow(
  startHourUtc: number,
  endHourUtc: number,
  options: { now?: () => Date } = {},
): (ctx: WorkflowContext) => PolicyResult {
  checkHour("startHourUtc", startHourUtc);
  checkHour("endHourUtc", endHourUtc);
  if (startHourUtc === endHourUtc) {
    throw new RangeError(
      `withinMaintenanceWindow: startHourUtc and endHourUtc are both ${startHourUtc}; a window needs two different hours.`,
    );
  }
  const now = options.now ?? (() => new Date());
  const window = `${pad(startHourUtc)}:00-${pad(endHourUtc)}:00 UTC`;
  return definePolicy("within_maintenance_window", (_ctx: WorkflowContext): PolicyResult => {
    const result = (passed: boolean, reason: string): PolicyResult => ({ policy: "within_maintenance_window", passed, reason });
    const clock = now();
    if (!(clock instanceof Date) || Number.isNaN(clock.getTime())) return result(false, "The policy clock returned an invalid date");
    const hour = clock.getUTCHours();
    const inside = startHourUtc < endHourUtc
      ? hour >= startHourUtc && hour < endHourUtc
      : hour >= startHourUtc || hour < endHourUtc;
    const time = `${pad(hour)}:${pad(clock.getUTCMinutes())} UTC`;
    return result(inside, `Current time ${time} is ${inside ? "inside" : "outside"} maintenance window ${window}`);
  });
}

function checkHour(name: string, hour: unknown): void {
  if (typeof hour !== "number" || !Number.isInteger(hour)) {
    throw new TypeError(`withinMaintenanceWindow: ${name} must be an integer hour 0–23, got ${String(hour)}.`);
  }
  if (hour < 0 || hour > 23) {
    throw new RangeError(`withinMaintenanceWindow: ${name} must be between 0 and 23, got ${hour}.`);
  }
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
