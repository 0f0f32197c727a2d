// A tiny sequential test harness for the browser suite: one shared headless
// Chromium (Debian's, via playwright-core), a fresh page per case, and one
// "ok - name" / "not ok - name" line per case for test/suites.sh. The
// timeouts are generous: a loaded 2-core machine can take seconds per step.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const cases = [];
const CASE_TIMEOUT_MS = 90000;
const STEP_TIMEOUT_MS = 25000;
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Register a test case: fn(page, context) runs on a fresh page. `always`
// cases run even when E2E_ONLY selects others (they set the page up).
export function test(name, fn, { viewport, always = false } = {}) {
  cases.push({ name, fn, viewport, always });
}

// Throw with a message when a condition is false.
export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// Throw when two values differ (compared as JSON).
export function assertEqual(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`);
}

// Reject after ms milliseconds (a hung case must not hang the suite).
function timeout(ms, name) {
  let timer;
  const promise = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms} ms`)), ms); });
  return { promise, cancel: () => clearTimeout(timer) };
}

// Launch the browser, run every case in order, print the results; returns the failure count.
export async function run({ executablePath, screenshotDir, only }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'convdash-e2e-profile-'));
  fs.mkdirSync(screenshotDir, { recursive: true });
  for (const f of fs.readdirSync(screenshotDir)) if (f.startsWith('failed-')) fs.rmSync(path.join(screenshotDir, f));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC',
  });
  let failed = 0;
  try {
    for (const c of cases) {
      if (only && !c.always && !c.name.includes(only)) continue;
      const page = await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      if (c.viewport) await page.setViewportSize(c.viewport);
      const errors = [];
      page.on('pageerror', (err) => errors.push(err.message));
      const limit = timeout(CASE_TIMEOUT_MS, c.name);
      const started = Date.now();
      try {
        await Promise.race([c.fn(page, context), limit.promise]);
        assert(errors.length === 0, `uncaught page errors: ${errors.join('; ')}`);
        console.log(`ok - ${c.name}`);
      } catch (err) {
        failed += 1;
        console.log(`not ok - ${c.name}`);
        for (const line of String(err && err.stack || err).split('\n').slice(0, 6)) console.log(`#   ${line}`);
        await page.screenshot({ path: path.join(screenshotDir, `failed-${c.name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => {});
      } finally {
        limit.cancel();
        if (process.env.E2E_VERBOSE) console.log(`#   ${Date.now() - started} ms`);
        await page.close().catch(() => {});
      }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return failed;
}
