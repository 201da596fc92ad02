import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, CSRF_HEADER } from "../../src/ui/server.js";
import { APPROVER, seededStore, startPage, UI_SECRET } from "./ui-fixture.js";

describe("enact-sdk ui's HTTP rules", () => {
  let store: Awaited<ReturnType<typeof seededStore>>;
  let page: Awaited<ReturnType<typeof startPage>>;
  let cookie: string;
  let csrf: string;

  beforeAll(async () => {
    store = await seededStore();
    page = await startPage(store.dir, { as: APPROVER });
    const signIn = await fetch(page.server.url, { redirect: "manual" });
    cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
    csrf = ((await (await get("/api/session")).json()) as { csrf: string }).csrf;
  });
  afterAll(async () => page?.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${page.server.origin}${path}`, { headers: { cookie, ...headers }, redirect: "manual" });
  const post = (path: string, headers: Record<string, string>, body = "{}") =>
    fetch(`${page.server.origin}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, redirect: "manual" });
  const goodPost = (path: string, body = "{}") => post(path, { cookie, origin: page.server.origin, [CSRF_HEADER]: csrf }, body);

  it("serves on 127.0.0.1 only, at a URL carrying a 48-hex-digit token", () => {
    expect(page.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it("trades the token for an HttpOnly, SameSite=Strict cookie and takes it out of the address", async () => {
    const response = await fetch(page.server.url, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    expect(response.headers.get("set-cookie")).toBe(`enact_ui=${page.server.token}; HttpOnly; SameSite=Strict; Path=/`);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("refuses the page, its files and its API without the cookie, and with a wrong token", async () => {
    for (const path of ["/", "/app.js", "/api/receipts", `/api/receipts/${store.ids.pass}`, "/api/approvals"]) {
      expect((await fetch(`${page.server.origin}${path}`)).status).toBe(401);
    }
    expect((await fetch(`${page.server.origin}/?token=${"a".repeat(48)}`, { redirect: "manual" })).status).toBe(401);
    expect((await get("/api/receipts", { cookie: `enact_ui=${"a".repeat(48)}` })).status).toBe(401);
  });

  it("refuses a request naming another host (DNS rebinding)", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(`${page.server.origin}/api/receipts`, { headers: { cookie, host: `evil.example:${page.server.port}` } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it("sends a strict Content-Security-Policy and no-sniff on every answer", async () => {
    for (const response of [await get("/"), await get("/api/receipts"), await fetch(`${page.server.origin}/api/receipts`)]) {
      expect(response.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
    }
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-inline");
    expect(await (await get("/")).text()).not.toMatch(/<script>|\son[a-z]+=/);
  });

  it("refuses a state change without the CSRF token, from another origin, without an origin, or not as JSON", async () => {
    expect((await post("/api/halt", { cookie, origin: page.server.origin }, '{"reason":"x"}')).status).toBe(403);
    expect((await post("/api/halt", { cookie, origin: "http://127.0.0.1:1", [CSRF_HEADER]: csrf }, '{"reason":"x"}')).status).toBe(403);
    expect((await post("/api/halt", { cookie, [CSRF_HEADER]: csrf }, '{"reason":"x"}')).status).toBe(403);
    expect((await post("/api/halt", { origin: page.server.origin, [CSRF_HEADER]: csrf }, '{"reason":"x"}')).status).toBe(401);
    expect((await post("/api/halt", { cookie, origin: page.server.origin, [CSRF_HEADER]: csrf, "content-type": "text/plain" }, '{"reason":"x"}')).status).toBe(415);
    expect(((await (await get("/api/halt")).json()) as { halted: boolean }).halted).toBe(false);
  });

  it("changes state only by POST: a GET of an action does nothing", async () => {
    expect((await get("/api/unhalt")).status).toBe(404);
    expect((await get(`/api/approvals/${store.ids.approval}/approve`)).status).toBe(404);
    expect((await fetch(`${page.server.origin}/api/halt`, { method: "PUT", headers: { cookie } })).status).toBe(405);
    expect(((await (await get("/api/approvals")).json()) as { pending: unknown[] }).pending).toHaveLength(1);
  });

  it("never sends the secret to the browser", async () => {
    const answers = await Promise.all(["/", "/app.js", "/api/session", "/api/receipts", "/api/stats", "/api/facets", `/api/receipts/${store.ids.update}`, "/api/approvals", "/api/halt"].map(async (path) => (await get(path)).text()));
    for (const text of answers) expect(text).not.toContain(UI_SECRET);
  });

  it("answers a filter it cannot read with 400 and words, not a crash", async () => {
    const response = await get("/api/receipts?since=yesterday-ish");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain("since must be a date");
    expect((await get("/api/receipts?decision=MAYBE")).status).toBe(400);
  });

  it("approves only as an approver: a request decided by someone outside ENACT_APPROVERS is refused and records nothing", async () => {
    const outsider = await startPage(store.dir, { as: "intern@co.com" });
    try {
      const signIn = await fetch(outsider.server.url, { redirect: "manual" });
      const theirCookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const theirCsrf = ((await (await fetch(`${outsider.server.origin}/api/session`, { headers: { cookie: theirCookie } })).json()) as { csrf: string }).csrf;
      const response = await fetch(`${outsider.server.origin}/api/approvals/${store.ids.approval}/approve`, {
        method: "POST",
        headers: { cookie: theirCookie, origin: outsider.server.origin, [CSRF_HEADER]: theirCsrf, "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(409);
      expect(((await response.json()) as { error: string }).error).toContain("not_an_approver");
    } finally {
      await outsider.close();
    }
    expect(((await (await get("/api/approvals")).json()) as { pending: unknown[] }).pending).toHaveLength(1);
  });

  it("without --as, the page reads but refuses every change, saying why", async () => {
    const readOnly = await startPage(store.dir, {});
    try {
      const signIn = await fetch(readOnly.server.url, { redirect: "manual" });
      const theirCookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const session = (await (await fetch(`${readOnly.server.origin}/api/session`, { headers: { cookie: theirCookie } })).json()) as { csrf: string; haltBlockedBecause?: string };
      expect(session.haltBlockedBecause).toContain("--as");
      const response = await fetch(`${readOnly.server.origin}/api/halt`, {
        method: "POST",
        headers: { cookie: theirCookie, origin: readOnly.server.origin, [CSRF_HEADER]: session.csrf, "content-type": "application/json" },
        body: '{"reason":"x"}',
      });
      expect(response.status).toBe(403);
    } finally {
      await readOnly.close();
    }
  });

  it("without ENACT_SECRET, lists receipts with their signatures marked not checked", async () => {
    const unsigned = await startPage(store.dir, { secret: null });
    try {
      const signIn = await fetch(unsigned.server.url, { redirect: "manual" });
      const theirCookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const list = (await (await fetch(`${unsigned.server.origin}/api/receipts`, { headers: { cookie: theirCookie } })).json()) as { rows: { verification: { signature: string } }[] };
      expect(list.rows).toHaveLength(7);
      expect(new Set(list.rows.map((row) => row.verification.signature))).toEqual(new Set(["not checked"]));
    } finally {
      await unsigned.close();
    }
  });

  it("pages newest first with a stable order", async () => {
    const first = (await (await get("/api/receipts?pageSize=3&page=0")).json()) as { rows: { runId: string }[]; total: number };
    const second = (await (await get("/api/receipts?pageSize=3&page=1")).json()) as { rows: { runId: string }[] };
    expect(first.total).toBe(7);
    expect(first.rows[0]?.runId).toBe(store.ids.pending);
    expect(new Set([...first.rows, ...second.rows].map((row) => row.runId)).size).toBe(6);
  });
});
