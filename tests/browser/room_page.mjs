// Opens /r/{room} in headless Chromium (Debian's /usr/bin/chromium, fake camera and microphone)
// and reports what the page received: usage: node room_page.mjs HTTP_URL ROOM NAME SECONDS
// Prints one JSON line; exits 0 when the page decoded video that kept rising.
import { chromium } from 'playwright-core';
import { CHROMIUM_OPTIONS } from './common.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, room, name, seconds] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'mediagw-chromium-'));
const result = { framesDecoded: [], audioPackets: 0, videoSent: 0, status: '', error: null };
let context;
try {
  context = await chromium.launchPersistentContext(profile, CHROMIUM_OPTIONS);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error('page:', m.text()); });
  await page.goto(`${url}/r/${room}?name=${encodeURIComponent(name)}`);
  const sample = () => page.evaluate(async () => {
    const s = window.mediagw;
    const out = { frames: 0, audioPackets: 0, videoSent: 0, status: document.getElementById('status').textContent };
    if (s.sub) (await s.sub.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') out.frames += r.framesDecoded || 0;
      if (r.type === 'inbound-rtp' && r.kind === 'audio') out.audioPackets += r.packetsReceived || 0;
    });
    if (s.pub) (await s.pub.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video') out.videoSent += r.framesSent || 0;
    });
    return out;
  });
  const end = Date.now() + Number(seconds) * 1000;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = await sample();
    result.framesDecoded.push(s.frames);
    result.audioPackets = s.audioPackets;
    result.videoSent = s.videoSent;
    result.status = s.status;
  }
} catch (e) {
  result.error = String(e);
} finally {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
}
const f = result.framesDecoded;
const rising = f.length >= 3 && f[f.length - 1] > f[f.length - 3] && f[f.length - 1] > 30;
console.log(JSON.stringify({ ...result, rising }));
process.exit(rising && !result.error ? 0 : 1);
