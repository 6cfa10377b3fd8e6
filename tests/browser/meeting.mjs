// A meeting of real browsers through the real page: headless Chromium (Debian's /usr/bin/chromium,
// fake camera and microphone), one browser context per person.
//   node meeting.mjs HTTP_URL ROOM SCREENSHOT.png
// Prints one JSON object: {checks: {name: {ok, detail}}, error}; exits 0 when every check passed.
// The checks, in the order the meeting goes:
//   lobby         Alice comes through the lobby: camera preview, devices listed, invite link, Join
//   decode        Alice and Bob each decode the other's video and receive the other's audio
//   chat          a message Alice sends reaches Bob
//   mute_shown    Alice turns her camera off: Bob sees the indicator and her frames stop
//   unmute        Alice turns it on again: Bob decodes her video again within 2 s
//   keyboard      every control has an accessible name; the microphone toggles with Enter/Space
//   history       Carol joins late and sees the chat history
//   three_tiles   everyone sees three tiles
//   screenshot    Carol's view of the three-person meeting is saved
//   screen_share  Alice shares a screen: Bob and Carol get an extra tile
//   leave         Carol leaves: her tile is gone from Alice's and Bob's pages within 5 s
import { Checks, launchChromium, sleep, until } from './common.mjs';

const [url, room, screenshot] = process.argv.slice(2);
const result = new Checks();
const check = result.check.bind(result);

let browser;
let error = null;
try {
  browser = await launchChromium();
  const join = async (name, { viaLobby = false } = {}) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') console.error(`${name}:`, m.text()); });
    if (!viaLobby) {
      await page.goto(`${url}/r/${room}?name=${encodeURIComponent(name)}`);
      return { name, context, page };
    }
    // lobby: the preview runs, devices are listed, the invite link names the room, Join enters it.
    await page.goto(`${url}/`);
    // The preview runs and both device lists are filled (they are filled right after it starts).
    const preview = await page.waitForFunction(
      () => document.getElementById('preview').srcObject?.getTracks().length === 2 &&
        document.getElementById('camera').options.length > 0 &&
        document.getElementById('microphone').options.length > 0, null, { timeout: 10000 })
      .then(() => true, () => false);
    const devices = await page.evaluate(() => [document.getElementById('camera').options.length,
      document.getElementById('microphone').options.length]);
    await page.fill('#name', name);
    await page.fill('#room', room);
    await page.dispatchEvent('#room', 'input');
    const invite = await page.inputValue('#invite');
    await Promise.all([page.waitForURL(`**/r/${room}?name=${name}`, { timeout: 10000 }), page.click('#join-button')]);
    check('lobby', preview && devices[0] >= 1 && devices[1] >= 1 && invite === `${url}/r/${room}`,
      `preview ${preview}, devices ${devices}, invite ${invite}`);
    return { name, context, page };
  };
  const inbound = (who) => who.page.evaluate(() => window.mediagw.inbound());
  const framesFrom = async (who, name) => (await inbound(who))[name]?.frames || 0;
  const tiles = (who) => who.page.evaluate(() => document.querySelectorAll('#tiles .tile').length);
  const rising = async (who, name, ms) => {
    const a = await framesFrom(who, name);
    await sleep(ms);
    const b = await framesFrom(who, name);
    return { a, b, up: b > a };
  };

  const alice = await join('Alice', { viaLobby: true });
  const bob = await join('Bob');

  // decode
  const decoded = await until(async () => {
    const [a, b] = [await inbound(alice), await inbound(bob)];
    return (a.Bob?.frames || 0) > 30 && (b.Alice?.frames || 0) > 30 && a.Bob.audioPackets > 50 &&
      b.Alice.audioPackets > 50 && { a, b };
  }, 20000);
  check('decode', decoded, JSON.stringify(decoded || { alice: await inbound(alice), bob: await inbound(bob) }));

  // chat
  await alice.page.fill('#chat-input', 'hello from Alice');
  await alice.page.click('#chat-form button');
  const chatSeen = await until(() => bob.page.evaluate(() =>
    window.mediagw.chat.some((m) => m.name === 'Alice' && m.text === 'hello from Alice')), 5000);
  check('chat', chatSeen);

  // mute_shown, unmute
  await alice.page.click('#toggle-camera');
  const indicator = await until(() => bob.page.evaluate(() => {
    const tile = [...document.querySelectorAll('#tiles .tile')].find((t) => t.querySelector('.name').textContent === 'Alice');
    return tile && !tile.querySelector('.cam-off').hidden;
  }), 5000);
  await sleep(1000);  // frames already on their way
  const stopped = await rising(bob, 'Alice', 1500);
  check('mute_shown', indicator && !stopped.up, `indicator ${indicator}, frames ${stopped.a} -> ${stopped.b}`);
  await alice.page.click('#toggle-camera');
  const t0 = Date.now();
  const before = await framesFrom(bob, 'Alice');
  const resumed = await until(async () => (await framesFrom(bob, 'Alice')) > before + 2, 4000, 100);
  const resumeMs = Date.now() - t0;
  check('unmute', resumed && resumeMs <= 2000, `resumed after ${resumeMs} ms`);

  // keyboard: every control has a name, and the microphone toggle works from the keyboard.
  const named = await bob.page.evaluate(() => [...document.querySelectorAll('button, input, select')]
    .filter((el) => !el.closest('[hidden]'))
    .every((el) => el.textContent.trim() || el.getAttribute('aria-label') || el.labels?.length));
  await bob.page.focus('#toggle-mic');
  await bob.page.keyboard.press('Enter');
  const mutedByKey = await bob.page.evaluate(() => window.mediagw.muted.audio &&
    document.getElementById('toggle-mic').getAttribute('aria-pressed') === 'true');
  await bob.page.keyboard.press('Space');
  const unmutedByKey = await bob.page.evaluate(() => !window.mediagw.muted.audio);
  check('keyboard', named && mutedByKey && unmutedByKey, `named ${named}, Enter ${mutedByKey}, Space ${unmutedByKey}`);

  // history, three_tiles, screenshot
  const carol = await join('Carol');
  const history = await until(() => carol.page.evaluate(() =>
    window.mediagw.chat.some((m) => m.name === 'Alice' && m.text === 'hello from Alice')), 8000);
  check('history', history);
  const three = await until(async () => {
    const counts = [await tiles(alice), await tiles(bob), await tiles(carol)];
    return counts.every((n) => n === 3) && counts;
  }, 10000);
  const carolSees = await until(async () => {
    const i = await inbound(carol);
    return (i.Alice?.frames || 0) > 10 && (i.Bob?.frames || 0) > 10 && i;
  }, 15000);
  check('three_tiles', three && carolSees, JSON.stringify({ three, carolSees }));
  if (screenshot) {
    await carol.page.screenshot({ path: screenshot });
    check('screenshot', true, screenshot);
  }

  // screen_share: a canvas stream stands in for getDisplayMedia, which needs a user's pick.
  await alice.page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    const ctx = canvas.getContext('2d');
    let n = 0;
    setInterval(() => {
      ctx.fillStyle = `hsl(${(n += 7) % 360} 60% 40%)`;
      ctx.fillRect(0, 0, 640, 360);
      ctx.fillStyle = '#fff';
      ctx.font = '48px sans-serif';
      ctx.fillText(`shared screen ${n}`, 40, 180);
    }, 66);
    window.mediagw.shareScreen(canvas.captureStream(15));
  });
  const shared = await until(async () => {
    const ok = [];
    for (const who of [bob, carol]) {
      ok.push(await who.page.evaluate(() => !!document.querySelector('#tiles .tile.screen')) &&
        (await framesFrom(who, 'Alice (screen)')) > 5);
    }
    return ok.every(Boolean);
  }, 15000);
  check('screen_share', shared, `tiles: bob ${await tiles(bob)}, carol ${await tiles(carol)}`);
  await alice.page.evaluate(() => window.mediagw.shareScreen());  // stop

  // leave
  await carol.page.click('#leave');
  const t1 = Date.now();
  const gone = await until(async () => !(await alice.page.evaluate(() =>
    [...document.querySelectorAll('#tiles .name')].some((n) => n.textContent === 'Carol'))) &&
    !(await bob.page.evaluate(() => [...document.querySelectorAll('#tiles .name')].some((n) => n.textContent === 'Carol'))), 5000, 100);
  check('leave', gone, `after ${Date.now() - t1} ms`);
} catch (e) {
  error = String(e?.stack || e);
} finally {
  await browser?.close();
}
result.report(error);
