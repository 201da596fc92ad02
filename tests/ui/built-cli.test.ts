import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { childEnvironment, ROOT } from "../support/cli.js";
import { APPROVER, seededStore, UI_SECRET } from "./ui-fixture.js";

const BIN = join(ROOT, "dist/cli.js");

/** The published command: its page files must be in dist/ (tsup copies src/ui/public there). */
describe("enact-sdk ui, as built", () => {
  let store: Awaited<ReturnType<typeof seededStore>>;
  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error("dist/ is missing: run `npm run build` (npm test does it first)");
    store = await seededStore();
  });

  it("prints a 127.0.0.1 URL with a token, serves the page and its API from dist/, and stops cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "ui", store.dir, "--as", APPROVER], {
      env: childEnvironment({ ENACT_SECRET: UI_SECRET, ENACT_APPROVERS: APPROVER }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}/.exec(out);
        if (match !== null) resolve(match[0]);
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect(out).toContain(`Acting as ${APPROVER}`);
    const signIn = await fetch(url, { redirect: "manual" });
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const origin = new URL(url).origin;
    for (const path of ["/", "/app.js", "/app.css", "/favicon.svg"]) expect((await fetch(`${origin}${path}`, { headers: { cookie } })).status).toBe(200);
    const list = (await (await fetch(`${origin}/api/receipts`, { headers: { cookie } })).json()) as { total: number };
    expect(list.total).toBe(7);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses a port that is not a port, as a usage error", async () => {
    const child = spawn(process.execPath, [BIN, "ui", store.dir, "--port", "http"], { env: childEnvironment({ ENACT_SECRET: UI_SECRET }), stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    expect(await new Promise((resolve) => child.once("exit", resolve))).toBe(2);
    expect(err).toContain("--port must be a port number");
  });
});
