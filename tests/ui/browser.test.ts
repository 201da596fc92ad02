import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { EnactClient, FileReceiptStore } from "enact-sdk";
import { ROOT } from "../support/cli.js";
import { HAVE_CHROMIUM, launchChromium, NO_CHROMIUM_REASON } from "./browser-support.js";
import { AGENT, agentOn, APPROVER, seededStore, startPage, UI_SECRET, XSS } from "./ui-fixture.js";

// The README's screenshots come from this test, but a plain `npm test` must not rewrite tracked
// files: they are refreshed only on request (UPDATE_SCREENSHOTS=1), else written to the temp dir.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs/screenshots") : join(tmpdir(), `enact-ui-screenshots-${process.pid}`);

/**
 * The page's globals, typed for the little the tests touch (this project's TypeScript has no DOM
 * types). Functions run in the page are serialized, so each casts `globalThis` itself; strings
 * would need eval, which the page's CSP forbids.
 */
interface PageGlobals {
  location: { hash: string };
  document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null };
  __pwned?: number;
}


if (!HAVE_CHROMIUM) console.warn(`tests/ui/browser.test.ts: ${NO_CHROMIUM_REASON}`);

describe.skipIf(!HAVE_CHROMIUM)("enact-sdk ui in Chromium", () => {
  let browser: Browser;
  let store: Awaited<ReturnType<typeof seededStore>>;
  let page: Awaited<ReturnType<typeof startPage>>;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, store] = await Promise.all([launchChromium(), seededStore()]);
    page = await startPage(store.dir, { as: APPROVER });
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await page?.close();
  });

  /** A signed-in tab: it opens the printed URL once, as a person does, and lands on `hash`. */
  async function open(hash = "#/", url = page.server.url): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    contexts.push(context);
    const tab = await context.newPage();
    await tab.goto(url);
    await ready(tab, "#/");
    if (hash !== "#/") await ready(tab, hash);
    return tab;
  }

  async function ready(tab: Page, hash: string): Promise<void> {
    // The first page after sign-in is "/", whose hash is empty: the page routes it as "#/".
    if (hash !== "#/" || new URL(tab.url()).hash !== "") await tab.evaluate((target) => void ((globalThis as unknown as PageGlobals).location.hash = target), hash);
    await tab.waitForFunction((target) => (globalThis as unknown as PageGlobals).document.getElementById("main")?.dataset.ready === target, hash, { timeout: 10_000 });
  }

  const rowsOf = (tab: Page): Promise<string[]> => tab.locator("#receipts tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-run-id") ?? ""));

  it("lists every receipt newest first, each with its signature and journal entry verified", async () => {
    const tab = await open();
    const rows = await rowsOf(tab);
    expect(rows).toHaveLength(7);
    expect(rows[0]).toBe(store.ids.pending);
    expect(rows[6]).toBe(store.ids.pass);
    expect(await tab.locator("#receipts td.sig").allTextContents()).toEqual(Array(7).fill("valid"));
    expect(await tab.locator("#receipts td.journal").allTextContents()).toEqual(Array(7).fill("in journal"));
    expect(await tab.locator("#blocking-chart .bar-row .name").allTextContents()).toEqual(["no_free_mail"]);
    expect(await tab.locator("#decisions-chart rect").count()).toBeGreaterThan(0);
    await tab.screenshot({ path: join(SCREENSHOTS, "receipts.png"), fullPage: true });
  });

  it("filters by decision, workflow, actor, text and time, and keeps the filters in the address", async () => {
    const tab = await open();
    await tab.selectOption("select[name=decision]", "BLOCK");
    await tab.click("button[type=submit]");
    await ready(tab, "#/?decision=BLOCK");
    expect(new Set(await rowsOf(tab))).toEqual(new Set([store.ids.block, store.ids.block2]));

    await ready(tab, "#/?decision=FAILED");
    expect(await rowsOf(tab)).toEqual([store.ids.failed]);

    await ready(tab, "#/?workflow=update_deal&actor=deals-agent%40co.com");
    expect(new Set(await rowsOf(tab))).toEqual(new Set([store.ids.update, store.ids.block2]));

    await ready(tab, "#/?q=jane%40acme.com");
    expect(new Set(await rowsOf(tab))).toEqual(new Set([store.ids.pass, store.ids.pending]));

    await ready(tab, `#/?until=${encodeURIComponent("2000-01-01T00:00")}`);
    expect(await rowsOf(tab)).toEqual([]);
    expect(await tab.locator("#no-match").textContent()).toBe("No receipts match.");
  });

  it("shows one receipt: who, why, what changed as a before/after diff, and that it is genuine", async () => {
    const tab = await open(`#/receipt/${store.ids.update}`);
    expect(await tab.locator("#run-id").textContent()).toBe(store.ids.update);
    expect(await tab.locator(".alert.good").textContent()).toContain("Genuine");
    expect(await tab.locator(".facts").textContent()).toContain("Who askeddeals-agent@co.com");
    const diff = await tab.locator("table.diff tbody tr").evaluateAll((rows) => rows.map((row) => [...row.children].map((cell) => cell.textContent)));
    expect(diff).toEqual([
      ["amount", '"12000"', '"15000"'],
      ["dealstage", '"negotiation"', '"closedwon"'],
    ]);
    expect(await tab.locator("#policies").textContent()).toContain("no_free_mail");
    await tab.screenshot({ path: join(SCREENSHOTS, "receipt-detail.png"), fullPage: true });
  });

  it("shows a receipt whose file was edited as tampered, in the list and on its page", async () => {
    const own = await seededStore();
    const ownPage = await startPage(own.dir, { as: APPROVER });
    try {
      const file = join(own.dir, `${own.ids.pass}.json`);
      await writeFile(file, (await readFile(file, "utf8")).replace('"amount": 120', '"amount": 12000'));
      const tab = await open("#/", ownPage.server.url);
      expect(await tab.locator(`tr[data-run-id="${own.ids.pass}"] td.sig`).textContent()).toBe("TAMPERED");
      expect(await tab.locator(`tr[data-run-id="${own.ids.update}"] td.sig`).textContent()).toBe("valid");
      await tab.click(`tr[data-run-id="${own.ids.pass}"]`);
      await ready(tab, `#/receipt/${own.ids.pass}`);
      expect(await tab.locator("#tampered").textContent()).toContain("TAMPERED");
      await tab.screenshot({ path: join(SCREENSHOTS, "receipt-tampered.png") });
    } finally {
      await ownPage.close();
    }
  });

  it("renders a payload carrying <script> as inert text", async () => {
    const tab = await open(`#/receipt/${store.ids.xss}`);
    expect(await tab.locator("#payload").textContent()).toContain("<script>window.__pwned = 1</script>");
    expect(await tab.evaluate(() => (globalThis as unknown as PageGlobals).__pwned)).toBeUndefined();
    expect(await tab.locator("#main script, #main img").count()).toBe(0);
    expect(XSS).toContain("<script>");
  });

  it("approves a request from the inbox as --as, and the agent's run then executes exactly once", async () => {
    const tab = await open("#/approvals");
    const card = tab.locator(`[data-approval-id="${store.ids.approval}"]`);
    expect(await card.locator("pre.payload").textContent()).toContain('"amount": 900');
    await tab.screenshot({ path: join(SCREENSHOTS, "approvals.png"), fullPage: true });
    await card.locator("textarea").fill("invoice checked with finance");
    await card.locator("button.approve").click();
    await card.waitFor({ state: "detached" });

    const { enact, counter, invoice } = store.agent;
    const before = counter.executions;
    const [result, receipt] = await enact.run({ ...invoice(900), approvalId: store.ids.approval });
    expect(result.success).toBe(true);
    expect(receipt.approval?.approver).toBe(APPROVER);
    expect((await enact.run({ ...invoice(900), approvalId: store.ids.approval }))[1].decision).toBe("BLOCK");
    expect(counter.executions).toBe(before + 1);
  });

  it("denies a request from the inbox, and the agent's run with it is blocked", async () => {
    const { enact, counter, invoice } = store.agent;
    const id = (await enact.run(invoice(700)))[0].approvalRequestId as string;
    const tab = await open("#/approvals");
    const card = tab.locator(`[data-approval-id="${id}"]`);
    await card.locator("textarea").fill("not this customer");
    await card.locator("button.danger").click();
    await card.waitFor({ state: "detached" });
    const before = counter.executions;
    const [result, receipt] = await enact.run({ ...invoice(700), approvalId: id });
    expect(result.success).toBe(false);
    expect(receipt.decision).toBe("BLOCK");
    expect(counter.executions).toBe(before);
  });

  it("halts every run with a reason, shows who and when, and unhalts", async () => {
    const tab = await open("#/control");
    await tab.fill("#kill-switch input[name=reason]", "agent is looping on refunds");
    await tab.click("#kill-switch button.danger");
    await tab.locator("#halt-state", { hasText: "HALTED" }).waitFor();
    expect(await tab.locator("#halt-who").textContent()).toMatch(new RegExp(`^halted by ${APPROVER} at .*: agent is looping on refunds$`));
    expect(await tab.locator("#halt-banner").isVisible()).toBe(true);
    const fresh = new EnactClient({ secret: UI_SECRET, receiptStore: new FileReceiptStore(store.dir) });
    expect((await fresh.haltStatus()).halted).toBe(true);
    // A client that has not read the switch yet: running clients see a halt within their 1 s cache.
    const later = agentOn(store.dir);
    const [, blocked] = await later.enact.run(later.invoice(1));
    await later.enact.flush();
    expect(blocked.policyResults.some((result) => result.policy === "kill_switch" && !result.passed)).toBe(true);

    await tab.click("#verify-start");
    await tab.locator("#verify-verdict").waitFor();
    expect(await tab.locator("#verify-verdict").textContent()).toContain("OK: every receipt is valid");
    await tab.screenshot({ path: join(SCREENSHOTS, "kill-switch-and-verify.png"), fullPage: true });

    await tab.click("#kill-switch button.approve");
    await tab.locator("#halt-state", { hasText: "Running" }).waitFor();
    expect(await tab.locator("#halt-who").textContent()).toMatch(new RegExp(`^unhalted by ${APPROVER} at `));
    expect((await fresh.haltStatus()).halted).toBe(false);
  });

  it("refuses a browser that does not have the token", async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const tab = await context.newPage();
    const response = await tab.goto(`${page.server.origin}/`);
    expect(response?.status()).toBe(401);
    expect(await tab.textContent("body")).toContain("Not signed in");
    const wrong = await tab.goto(`${page.server.origin}/?token=${"0".repeat(48)}`);
    expect(wrong?.status()).toBe(401);
  });

  it("refuses a POST from another origin, even one on the same host that the cookie is sent to", async () => {
    const signedIn = await open();
    const attacker: Server = createServer((_request, response) => {
      response.setHeader("content-type", "text/html");
      response.end(
        `<form id=f method=POST action="${page.server.origin}/api/halt" enctype="text/plain"><input name='{"reason":"x","a":"' value='"}'></form>` +
          `<script>document.getElementById("f").submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    try {
      const evil = await signedIn.context().newPage();
      const landed = evil.waitForURL(`${page.server.origin}/api/halt`);
      await evil.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
      await landed;
      expect(await evil.textContent("body")).toContain("Cross-origin request refused");
      const fresh = new EnactClient({ secret: UI_SECRET, receiptStore: new FileReceiptStore(store.dir) });
      expect((await fresh.haltStatus()).halted).toBe(false);
      expect(AGENT).toBeDefined();
    } finally {
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
  });
});
