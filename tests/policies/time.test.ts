import type { WorkflowContext } from "enact-sdk";
import { withinMaintenanceWindow } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

const ctx: WorkflowContext = { workflow: "deploy", actorEmail: "agent@company.example", payload: {}, systems: {} };
const at = (iso: string) => ({ now: () => new Date(iso) });

describe("withinMaintenanceWindow()", () => {
  it("is named within_maintenance_window", () => {
    expect(withinMaintenanceWindow(2, 4).name).toBe("within_maintenance_window");
  });

  it("passes inside a same-day window and says when", () => {
    expect(withinMaintenanceWindow(2, 4, at("2030-01-01T03:15:00Z"))(ctx)).toEqual({
      policy: "within_maintenance_window",
      passed: true,
      reason: "Current time 03:15 UTC is inside maintenance window 02:00-04:00 UTC",
    });
  });

  it("includes the start hour and excludes the end hour", () => {
    expect(withinMaintenanceWindow(2, 4, at("2030-01-01T02:00:00Z"))(ctx).passed).toBe(true);
    expect(withinMaintenanceWindow(2, 4, at("2030-01-01T03:59:59Z"))(ctx).passed).toBe(true);
    expect(withinMaintenanceWindow(2, 4, at("2030-01-01T04:00:00Z"))(ctx).passed).toBe(false);
    expect(withinMaintenanceWindow(2, 4, at("2030-01-01T01:59:59Z"))(ctx).passed).toBe(false);
  });

  it("blocks outside the window", () => {
    expect(withinMaintenanceWindow(2, 4, at("2030-01-01T12:00:00Z"))(ctx)).toEqual({
      policy: "within_maintenance_window",
      passed: false,
      reason: "Current time 12:00 UTC is outside maintenance window 02:00-04:00 UTC",
    });
  });

  it("handles a window crossing midnight", () => {
    const nightly = (iso: string) => withinMaintenanceWindow(22, 6, at(iso))(ctx).passed;
    expect(nightly("2030-01-01T22:00:00Z")).toBe(true);
    expect(nightly("2030-01-01T23:59:00Z")).toBe(true);
    expect(nightly("2030-01-02T00:00:00Z")).toBe(true);
    expect(nightly("2030-01-02T05:59:00Z")).toBe(true);
    expect(nightly("2030-01-02T06:00:00Z")).toBe(false);
    expect(nightly("2030-01-02T21:59:00Z")).toBe(false);
  });

  it("uses UTC, not the local time zone of the offset in the clock's date", () => {
    expect(withinMaintenanceWindow(2, 4, at("2030-01-01T05:30:00+02:00"))(ctx).passed).toBe(true);
  });

  it("allows the full range of hours, 0 to 23", () => {
    expect(withinMaintenanceWindow(0, 23, at("2030-01-01T22:59:00Z"))(ctx).passed).toBe(true);
    expect(withinMaintenanceWindow(23, 0, at("2030-01-01T23:30:00Z"))(ctx).passed).toBe(true);
  });

  it("refuses hours that are not integers with a TypeError", () => {
    expect(() => withinMaintenanceWindow(1.5, 4)).toThrow(TypeError);
    expect(() => withinMaintenanceWindow(2, Number.NaN)).toThrow(/endHourUtc must be an integer hour 0–23/);
    expect(() => withinMaintenanceWindow("2" as unknown as number, 4)).toThrow(TypeError);
  });

  it("refuses hours outside 0–23 with a RangeError", () => {
    expect(() => withinMaintenanceWindow(-1, 4)).toThrow(RangeError);
    expect(() => withinMaintenanceWindow(2, 24)).toThrow(/endHourUtc must be between 0 and 23, got 24/);
  });

  it("refuses a zero-length window (start === end) with a RangeError", () => {
    expect(() => withinMaintenanceWindow(5, 5)).toThrow(RangeError);
    expect(() => withinMaintenanceWindow(5, 5)).toThrow(/both 5; a window needs two different hours/);
  });

  it("fails closed when the clock returns an invalid date", () => {
    const broken = withinMaintenanceWindow(2, 4, { now: () => new Date(Number.NaN) });

    expect(broken(ctx)).toMatchObject({ passed: false, reason: "The policy clock returned an invalid date" });
  });

  it("reads the system clock by default", () => {
    const hour = new Date().getUTCHours();
    const everyHourButNext = withinMaintenanceWindow(hour, (hour + 23) % 24);

    expect(everyHourButNext(ctx).passed).toBe(true);
  });
});
