import type { PolicyResult, WorkflowContext } from "enact-sdk";

/** A context with harmless defaults; override what the test is about. */
export function makeContext(overrides: Partial<WorkflowContext> = {}): WorkflowContext {
  return { workflow: "test_workflow", actorEmail: "agent@test.com", payload: { key: "value" }, systems: {}, ...overrides };
}

export const alwaysPass = (): PolicyResult => ({ policy: "always_pass", passed: true, reason: "Always passes" });
export const alwaysFail = (): PolicyResult => ({ policy: "always_fail", passed: false, reason: "Always fails" });

/** A secret long enough for EnactClient; tests never rely on a built-in default. */
export const TEST_SECRET = "test-secret-0123456789abcdef-0123456789";
