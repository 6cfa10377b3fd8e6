// node watch.mjs BASE_URL ROOM WIDTH HEIGHT: the room's HLS (already started) plays at /watch/ROOM
// in Chromium, with the page's Media Source player ("mse", the default) and, once the stream has
// run a few segments, with Chromium's own HLS playback ("native", what Safari users get): the
// picture has the composite's size and time moves on. Also: a room without HLS says so.
import { launchChromium, until, Checks } from './common.mjs';

const [base, room, width, height] = process.argv.slice(2);
const checks = new Checks();
let browser;
try {
  browser = await launchChromium();
  for (const mode of ['mse', 'native']) {
    const page = await browser.newPage();
    await page.goto(`${base}/watch/${room}${mode === 'native' ? '?player=native' : ''}`);
    const state = () => page.evaluate(() => {
      const v = document.getElementById('player');
      return { player: v.dataset.player, t: v.currentTime, w: v.videoWidth, h: v.videoHeight,
        status: document.getElementById('status').textContent, error: v.error && v.error.message };
    });
    const first = await until(async () => { const s = await state(); return s.t > 1 && s; }, 20000);
    const s0 = first || await state();
    const later = await until(async () => { const s = await state(); return s.t > s0.t + 2 && s; }, 10000);
    const s1 = later || await state();
    checks.check(`plays_${mode}`, first && later && s1.player === mode && s1.w === Number(width) &&
      s1.h === Number(height), JSON.stringify({ first: s0, later: s1 }));
    await page.close();
  }
  const page = await browser.newPage();
  await page.goto(`${base}/watch/nohls${room}`);
  const text = await until(() => page.evaluate(() => {
    const t = document.getElementById('status').textContent;
    return t.includes('no live stream') && t;
  }), 5000);
  checks.check('no_stream_explained', text, text || 'status never said there is no stream');
  checks.report(null);
} catch (e) {
  checks.report(String(e && e.stack || e));
} finally {
  if (browser) await browser.close().catch(() => {});
}
