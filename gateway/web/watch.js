// /watch/ROOM: plays the room's HLS (POST /v1/rooms/ROOM/hls starts it) with a small Media Source
// player that appends the playlist's MPEG-TS segments in order (Chromium takes video/mp2t in MSE),
// or with the browser's own HLS playback where MSE cannot (Safari). ?player=native forces the
// latter.
const room = decodeURIComponent(location.pathname.split('/')[2] || '');
const video = document.getElementById('player');
const statusEl = document.getElementById('status');
const unmute = document.getElementById('unmute');
const playlistUrl = `/hls/${encodeURIComponent(room)}/index.m3u8`;
const TS_TYPE = 'video/mp2t; codecs="avc1.4d401f,mp4a.40.2"';
document.getElementById('room-name').textContent = room;
document.title = `${room} live · mediagw`;

const say = (text) => { statusEl.textContent = text; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Waits until the room's HLS has a segment; tells the viewer what it is waiting for.
async function waitForLive() {
  for (;;) {
    try {
      const r = await fetch(`/v1/rooms/${encodeURIComponent(room)}/hls`, { cache: 'no-store' });
      if (r.ok) {
        const hls = await r.json();
        if (hls.state === 'live') return hls;
        say(hls.state === 'failed' ? `the stream failed: ${hls.last_error}` : 'the stream is starting…');
      } else {
        say(r.status === 404 ? 'no live stream in this room yet; waiting…' : `the gateway answered ${r.status}`);
      }
    } catch {
      say('cannot reach the gateway; retrying…');
    }
    await sleep(2000);
  }
}

// Segments of a media playlist, each with its sequence number.
function parsePlaylist(text) {
  const lines = text.split('\n').map((l) => l.trim());
  let seq = 0;
  const segments = [];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) seq = parseInt(line.slice(22), 10);
    else if (line && !line.startsWith('#')) segments.push({ seq: seq++, uri: line });
  }
  return { segments, ended: lines.includes('#EXT-X-ENDLIST') };
}

async function playWithMse() {
  const ms = new MediaSource();
  video.src = URL.createObjectURL(ms);
  await new Promise((r) => ms.addEventListener('sourceopen', r, { once: true }));
  const sb = ms.addSourceBuffer(TS_TYPE);
  const appended = () => new Promise((r) => sb.addEventListener('updateend', r, { once: true }));
  let next = -1;
  for (;;) {
    let list;
    try {
      const r = await fetch(playlistUrl, { cache: 'no-store' });
      if (!r.ok) throw new Error(`playlist: ${r.status}`);
      list = parsePlaylist(await r.text());
    } catch (e) {
      say('the stream stopped');
      return;
    }
    // Join three segments from the live edge; fall back there when left behind.
    const newest = list.segments.length ? list.segments[list.segments.length - 1].seq : -1;
    if (next < 0 || next < list.segments[0]?.seq) next = Math.max(list.segments[0]?.seq ?? 0, newest - 2);
    for (const s of list.segments) {
      if (s.seq < next) continue;
      const r = await fetch(new URL(s.uri, new URL(playlistUrl, location.href)));
      if (!r.ok) break;
      sb.appendBuffer(await r.arrayBuffer());
      await appended();
      next = s.seq + 1;
      if (video.paused && sb.buffered.length) {
        video.currentTime = sb.buffered.start(0);
        video.play().catch(() => {});
      }
    }
    // Keep half a minute behind the playhead.
    if (sb.buffered.length && video.currentTime - sb.buffered.start(0) > 40) {
      sb.remove(0, video.currentTime - 30);
      await appended();
    }
    if (list.ended) return;
    await sleep(1000);
  }
}

async function main() {
  if (!room) return say('no room in the address');
  await waitForLive();
  const forceNative = new URLSearchParams(location.search).get('player') === 'native';
  const native = video.canPlayType('application/vnd.apple.mpegurl') !== '';
  const mse = window.MediaSource && MediaSource.isTypeSupported(TS_TYPE);
  video.addEventListener('playing', () => say('live'));
  video.addEventListener('waiting', () => say('buffering…'));
  unmute.hidden = false;
  unmute.addEventListener('click', () => {
    video.muted = !video.muted;
    unmute.textContent = video.muted ? 'Unmute' : 'Mute';
  });
  // Media Source first where it takes MPEG-TS (Chromium): Chromium's own HLS playback refuses a
  // live playlist in its first seconds (DEMUXER_ERROR_COULD_NOT_PARSE), and this player joins
  // at the live edge. The browser's own playback elsewhere (Safari).
  if (mse && !forceNative) {
    video.dataset.player = 'mse';
    await playWithMse();
  } else if (native) {
    video.dataset.player = 'native';
    video.src = playlistUrl;
    video.play().catch(() => {});
  } else {
    say('this browser plays neither HLS nor MPEG-TS through Media Source; open the playlist in a player: ' +
        location.origin + playlistUrl);
  }
}
main();
