import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { within } from "../src/deadline.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

const never = new Promise<string>(() => {});

describe("within", () => {
  it("gives what the promise settles to when it settles in time, and clears its timer", async () => {
    await expect(within(Promise.resolve("answer"), 100, () => "late")).resolves.toBe("answer");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("gives late() at the deadline when the promise has not settled", async () => {
    const waiting = within(never, 100, () => "late");
    await vi.advanceTimersByTimeAsync(100);
    await expect(waiting).resolves.toBe("late");
  });

  it("rejects with what the promise rejects with in time, and clears its timer", async () => {
    await expect(within(Promise.reject(new Error("down")), 100, () => "late")).rejects.toThrow("down");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects, instead of throwing from the timer, when late() throws", async () => {
    const waiting = within(never, 10, () => {
      throw new Error("no answer to give");
    });
    const settled = expect(waiting).rejects.toThrow("no answer to give");
    await vi.advanceTimersByTimeAsync(10);
    await settled;
  });

  it("waits for ever with Infinity, setting no timer", () => {
    void within(never, Infinity, () => "late");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("caps a wait longer than a timer can hold instead of firing at once", async () => {
    const waiting = within(never, 2 ** 40, () => "late");
    let settled = false;
    void waiting.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(settled).toBe(false);
  });
});
