import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`): the browser tests use it, never a downloaded one. */
export const CHROMIUM = "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it): the browser tests are skipped`;

/**
 * One headless Chromium, quiet on the network: launched once per test file. Playwright gives each
 * launch a fresh temporary profile (user-data-dir) and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
