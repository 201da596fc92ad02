import { withinMaintenanceWindow } from "enact-sdk/policies";
import { describe, expect, it } from "vitest";

describe("withinMaintenanceWindow() construction errors", () => {
  it("names startHourUtc when the start hour is not an integer", () => {
    expect(() => withinMaintenanceWindow(1.5, 4)).toThrow(
      new TypeError("withinMaintenanceWindow: startHourUtc must be an integer hour 0–23, got 1.5."),
    );
  });
});
