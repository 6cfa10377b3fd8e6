// A meeting started from the browser with authentication on: the host opens the link that
// `mediagw token --link` prints, makes a guest link with "Copy invite link", the guest opens it
// and both see each other; links that are expired, missing or pasted into the lobby behave.
//   node auth.mjs HTTP_URL ROOM HOST_TOKEN PASTE_TOKEN EXPIRED_TOKEN
// Prints {checks: {name: {ok, detail}}, error}; exits 0 when every check passed.
//   host        the host link joins without asking for a name (the token has one) and the token
//               leaves the address bar
//   invite      "Copy invite link" gets a guest link for the room from the gateway
//   guest       the guest opens it, joins without an account, and host and guest decode each other
//   expired     an expired link says so plainly and never tries to join
//   no_token    the room's address without a token says an invite link is needed, and does not retry
//   lobby       a meeting link pasted into the lobby joins its room
import { Checks, launchChromium, sleep, until } from './common.mjs';

const [url, room, hostToken, pasteToken, expiredToken] = process.argv.slice(2);
const result = new Checks();
const check = result.check.bind(result);

let browser;
let error = null;
try {
  browser = await launchChromium();
  const open = async (who, address) => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') console.error(`${who}:`, m.text()); });
    await page.goto(address);
    return page;
  };
  const status = (page) => page.evaluate(() => document.getElementById('status').textContent);
  const inRoom = (page) => until(async () => /^in /.test(await status(page)), 10000);
  const framesFrom = async (page, name) =>
    (await page.evaluate(() => window.mediagw.inbound()))[name]?.frames || 0;

  const host = await open('host', `${url}/r/${room}?token=${hostToken}`);
  const hostIn = await inRoom(host);
  const address = await host.evaluate(() => location.href);
  check('host', hostIn && !address.includes('token'), `status "${await status(host)}", address ${address}`);

  await host.click('#copy-invite');
  const link = await until(() => host.evaluate(() => window.mediagw.inviteLink), 5000);
  const copied = await host.evaluate(() => navigator.clipboard.readText()).catch(() => '');
  check('invite', link && link.startsWith(`${url}/r/${room}?token=`) && copied === link,
    `link ${link}, clipboard ${copied}`);

  const guest = await open('guest', `${link}&name=Guest`);
  const guestIn = await inRoom(guest);
  const guestSees = await until(async () => (await framesFrom(guest, 'Host')) > 10, 15000);
  const hostSees = await until(async () => (await framesFrom(host, 'Guest')) > 10, 15000);
  check('guest', guestIn && guestSees && hostSees,
    `guest "${await status(guest)}", frames host->guest ${await framesFrom(guest, 'Host')}, ` +
    `guest->host ${await framesFrom(host, 'Guest')}`);

  const late = await open('expired', `${url}/r/${room}?token=${expiredToken}&name=Late`);
  const saidExpired = await until(async () => /expired/i.test(await status(late)), 5000);
  await sleep(2500);
  const lateState = await late.evaluate(() => ({ ws: !!window.mediagw.ws, id: window.mediagw.participantId }));
  check('expired', saidExpired && !lateState.ws && !lateState.id && /expired/i.test(await status(late)),
    `status "${await status(late)}", ${JSON.stringify(lateState)}`);

  const bare = await open('bare', `${url}/r/${room}?name=Nobody`);
  const saidNeeded = await until(async () => /invite link/i.test(await status(bare)), 8000);
  await sleep(2500);  // no retry loop: the same message, never joined
  check('no_token', saidNeeded && /invite link/i.test(await status(bare)) &&
    (await bare.evaluate(() => window.mediagw.participantId)) === null, `status "${await status(bare)}"`);

  const lobby = await open('lobby', `${url}/`);
  await lobby.fill('#name', 'Paster');
  await lobby.fill('#token', `${url}/r/${room}?token=${pasteToken}`);
  await lobby.click('#join-button');
  await lobby.waitForURL(new RegExp(`/r/${room}`), { timeout: 5000 });
  const pasterIn = await inRoom(lobby);
  const pasterSees = await until(async () => (await framesFrom(lobby, 'Host')) > 5, 15000);
  check('lobby', pasterIn && pasterSees, `status "${await status(lobby)}"`);
} catch (e) {
  error = String(e?.stack || e);
} finally {
  await browser?.close();
}
result.report(error);
