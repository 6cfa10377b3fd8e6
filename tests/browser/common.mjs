// What the browser scripts share: Debian's Chromium with fake camera and microphone, polling, and
// the {checks, error} report the C++ tests read.
import { chromium } from 'playwright-core';

export const CHROMIUM_OPTIONS = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
};

export const launchChromium = () => chromium.launch(CHROMIUM_OPTIONS);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Calls fn until it returns something truthy or the time is up; returns its last result.
export async function until(fn, timeoutMs, stepMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    if ((last = await fn())) return last;
    await sleep(stepMs);
  }
  return last;
}

// Named checks; report() prints {checks: {name: {ok, detail}}, error} and exits 0 if all passed.
export class Checks {
  constructor() { this.checks = {}; }
  check(name, ok, detail = '') { this.checks[name] = { ok: !!ok, detail }; }
  report(error) {
    const all = Object.values(this.checks);
    console.log(JSON.stringify({ checks: this.checks, error }));
    process.exit(!error && all.length > 0 && all.every((c) => c.ok) ? 0 : 1);
  }
}
