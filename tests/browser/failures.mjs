// When things go wrong, the meeting page says so and recovers: headless Chromium against a
// gateway whose rooms hold two people.
//   node failures.mjs HTTP_URL ROOM
// Prints {checks: {name: {ok, detail}}, error}; exits 0 when every check passed.
//   denied      Bob's browser refuses the camera and microphone: the page says so, and Bob still
//               sees and hears Alice
//   full        Carol finds the room full: the page says so and does not retry
//   reconnect   Alice's WebSocket drops: her page says it is reconnecting, rejoins by itself,
//               and Bob decodes her video again
import { Checks, launchChromium, sleep, until } from './common.mjs';

const [url, room] = process.argv.slice(2);
const result = new Checks();
const check = result.check.bind(result);

let browser;
let error = null;
try {
  browser = await launchChromium();
  const join = async (name, { deny = false } = {}) => {
    const context = await browser.newContext();
    if (deny) {
      await context.addInitScript(() => {
        navigator.mediaDevices.getUserMedia = async () => {
          throw new DOMException('Permission denied', 'NotAllowedError');
        };
      });
    }
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') console.error(`${name}:`, m.text()); });
    await page.goto(`${url}/r/${room}?name=${encodeURIComponent(name)}`);
    return page;
  };
  const status = (page) => page.evaluate(() => document.getElementById('status').textContent);
  const framesFrom = async (page, name) => (await page.evaluate(() => window.mediagw.inbound()))[name]?.frames || 0;

  const alice = await join('Alice');
  const bob = await join('Bob', { deny: true });
  const bobSaid = await until(async () => /denied/i.test(await status(bob)) && status(bob), 8000);
  const bobSees = await until(async () => (await framesFrom(bob, 'Alice')) > 10, 15000);
  check('denied', bobSaid && bobSees, `status "${await status(bob)}", frames ${await framesFrom(bob, 'Alice')}`);

  const carol = await join('Carol');
  const full = await until(async () => /full/i.test(await status(carol)), 8000);
  await sleep(2500);  // no retry loop: still the same message, still not in the room
  const stillFull = /full/i.test(await status(carol)) &&
    (await carol.evaluate(() => window.mediagw.participantId)) === null;
  check('full', full && stillFull, `status "${await status(carol)}"`);

  await alice.evaluate(() => window.mediagw.reconnectNow());
  const said = await until(async () => /reconnecting/i.test(await status(alice)) && status(alice), 3000, 50);
  const back = await until(async () => /^in /.test(await status(alice)), 10000);
  const before = await framesFrom(bob, 'Alice');
  const again = await until(async () => (await framesFrom(bob, 'Alice')) > before + 10, 15000);
  check('reconnect', said && back && again, `said "${said}", back ${!!back}, frames after ${await framesFrom(bob, 'Alice')}`);
} catch (e) {
  error = String(e?.stack || e);
} finally {
  await browser?.close();
}
result.report(error);
