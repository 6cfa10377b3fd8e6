// The meeting page /r/{room}[?name=NAME]: a grid of everyone's video with names, mute indicators,
// active speaker and connection state; own microphone/camera toggles; screen sharing as an extra
// tile; people list; chat with the room's history; leave. Speaks docs/signaling.md over two peer
// connections (publish: we offer; subscribe: mediagw offers and renegotiates) and reconnects to
// the same room by itself when the WebSocket drops.
import { openMedia } from './media.js';

const $ = (id) => document.getElementById(id);
const room = decodeURIComponent(location.pathname.split('/')[2] || '');
const params = new URLSearchParams(location.search);
$('room-name').textContent = room;
document.title = `${room} · mediagw`;

// Everything the page knows; window.mediagw for tests and curious people.
const state = {
  name: '',
  ws: null,
  pub: null,
  sub: null,
  local: null,            // own camera + microphone stream
  participantId: null,
  participants: new Map(),  // id -> {name, tracks: Map(trackId -> {kind, muted}), stream, state}
  midToTrack: new Map(),    // subscribe mid -> {participant_id, track_id, kind}
  chat: [],                 // {participant_id, name, text, time_ms}
  muted: { audio: false, video: false },
  leaving: false,
  retries: 0,
  screen: null,             // the screen-share connection, while sharing
  activeSpeaker: null,
};
window.mediagw = state;

// The meeting's token (when the gateway asks for one): from the link's ?token=, kept for this
// tab and taken out of the address bar, so that sharing the page's address never hands it on.
const tokenKey = `mediagw.token.${room}`;
if (params.get('token')) {
  sessionStorage.setItem(tokenKey, params.get('token'));
  params.delete('token');
  history.replaceState(null, '', `${location.pathname}${params.toString() ? `?${params}` : ''}`);
}
const token = sessionStorage.getItem(tokenKey);

// The token's claims, read without checking them (the gateway does): its name and expiry.
function tokenClaims(t) {
  try {
    const b64 = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
const claims = token ? tokenClaims(token) : null;

function joinMessage(name, extra = {}) {
  return { type: 'join', room, name, ...(token ? { token } : {}), ...extra };
}

// A failure that retrying cannot mend: say it plainly and stop.
function stopWith(text) {
  state.leaving = true;
  setStatus(text, true);
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

function send(msg, ws = state.ws) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function signalUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/signal`;
}

/* ---- tiles and the people list ---- */

function tileFor(id) {
  let tile = $(`tile-${id}`);
  if (tile) return tile;
  tile = document.createElement('figure');
  tile.className = 'tile';
  tile.id = `tile-${id}`;
  tile.dataset.participant = id;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const placeholder = document.createElement('div');
  placeholder.className = 'placeholder';
  const caption = document.createElement('figcaption');
  caption.innerHTML = '<span class="name"></span><span class="mic-off" hidden>microphone off</span>' +
    '<span class="cam-off" hidden>camera off</span><span class="conn"></span>';
  tile.append(video, placeholder, caption);
  $('tiles').append(tile);
  layout();
  return tile;
}

function layout() {
  const n = $('tiles').children.length;
  $('tiles').dataset.count = String(Math.min(n, 9));
}

// Redraws one participant's tile and list entry from what is known about them.
function render(id) {
  const p = id === 'local' ? localView() : state.participants.get(id);
  if (!p) return;
  const tile = tileFor(id);
  const tracks = [...p.tracks.values()];
  const audio = tracks.find((t) => t.kind === 'audio');
  const video = tracks.find((t) => t.kind === 'video');
  const camOff = !video || video.muted;
  tile.querySelector('.name').textContent = p.name;
  tile.querySelector('.mic-off').hidden = !(audio && audio.muted);
  tile.querySelector('.cam-off').hidden = !(video && video.muted);
  tile.querySelector('.placeholder').textContent = camOff ? initials(p.name) : '';
  tile.classList.toggle('camera-off', camOff);
  tile.classList.toggle('screen', !!p.screen);
  tile.querySelector('.conn').textContent = p.state || '';
  tile.dataset.state = p.state || '';
  if (p.stream && tile.querySelector('video').srcObject !== p.stream) tile.querySelector('video').srcObject = p.stream;
  renderPeople();
}

function localView() {
  const tracks = new Map();
  for (const t of state.local?.getTracks() || []) tracks.set(t.id, { kind: t.kind, muted: state.muted[t.kind] });
  return { name: `${state.name} (you)`, tracks, stream: state.local, state: state.pub?.connectionState || '' };
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
}

function removeParticipant(id) {
  state.participants.delete(id);
  $(`tile-${id}`)?.remove();
  layout();
  renderPeople();
}

function renderPeople() {
  const items = [[state.participantId || 'local', `${state.name} (you)`]];
  for (const [id, p] of state.participants) items.push([id, p.name]);
  $('people').replaceChildren(...items.map(([id, name]) => {
    const li = document.createElement('li');
    li.textContent = name;
    const p = state.participants.get(id);
    if (p && [...p.tracks.values()].some((t) => t.kind === 'audio' && t.muted)) li.textContent += ' (muted)';
    if (id === state.activeSpeaker) li.classList.add('speaking');
    return li;
  }));
  $('people-count').textContent = String(items.length);
}

function addParticipant(info) {
  const p = state.participants.get(info.id) || { tracks: new Map(), stream: null, state: 'joining' };
  p.name = info.name;
  p.screen = / \(screen\)$/.test(info.name);
  for (const t of info.tracks || []) p.tracks.set(t.id, { kind: t.kind, muted: t.muted });
  state.participants.set(info.id, p);
  render(info.id);
}

/* ---- chat ---- */

function showChat(m) {
  state.chat.push(m);
  const li = document.createElement('li');
  const who = document.createElement('strong');
  who.textContent = m.participant_id === state.participantId ? 'You' : m.name;
  const time = document.createElement('time');
  time.dateTime = new Date(m.time_ms).toISOString();
  time.textContent = new Date(m.time_ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const text = document.createElement('span');
  text.textContent = m.text;
  li.append(who, ' ', time, document.createElement('br'), text);
  $('chat-log').append(li);
  li.scrollIntoView({ block: 'end' });
}

$('chat-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('chat-input').value.trim();
  if (!text) return;
  send({ type: 'chat', text });
  $('chat-input').value = '';
});

/* ---- publishing ---- */

function candidateSender(connection, ws) {
  return (e) => {
    if (e.candidate) send({ type: 'ice', connection, candidate: e.candidate.candidate, sdp_mline_index: e.candidate.sdpMLineIndex ?? 0 }, ws);
  };
}

// A publish connection carrying `tracks` of `stream`; the offer goes out over `ws`.
async function makePublisher(stream, ws) {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc.onicecandidate = candidateSender('publish', ws);
  for (const track of stream.getTracks()) {
    const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    if (track.kind === 'video' && RTCRtpSender.getCapabilities && t.setCodecPreferences) {
      // The forwarder understands VP8 and H.264 keyframes: offer only those.
      const codecs = RTCRtpSender.getCapabilities('video').codecs.filter((c) => /video\/(VP8|H264)/i.test(c.mimeType));
      if (codecs.length) t.setCodecPreferences(codecs);
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  send({ type: 'publish', sdp: pc.localDescription.sdp }, ws);
  return pc;
}

async function publish() {
  if (!state.local) {
    const { stream, problem } = await openMedia();
    state.local = stream;
    if (problem) setStatus(problem, true);
  }
  render('local');
  $('tile-local').querySelector('video').muted = true;
  if (!state.local) return;
  for (const kind of ['audio', 'video']) applyMute(kind);
  state.pub = await makePublisher(state.local, state.ws);
  state.pub.onconnectionstatechange = () => render('local');
}

/* ---- subscribing ---- */

function subscriber() {
  if (state.sub) return state.sub;
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc.onicecandidate = candidateSender('subscribe', state.ws);
  pc.ontrack = (e) => {
    const info = state.midToTrack.get(e.transceiver.mid);
    const p = info && state.participants.get(info.participant_id);
    if (!p) return;
    p.stream ||= new MediaStream();
    for (const old of p.stream.getTracks().filter((t) => t.kind === e.track.kind)) p.stream.removeTrack(old);
    p.stream.addTrack(e.track);
    const video = tileFor(info.participant_id).querySelector('video');
    video.srcObject = null;  // a new track in the same stream needs a fresh attach
    render(info.participant_id);
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'failed') setStatus('media connection failed; reconnecting…', true);
  };
  state.sub = pc;
  return pc;
}

async function onSubscribeOffer(msg) {
  for (const t of msg.tracks) state.midToTrack.set(t.mid, t);
  const pc = subscriber();
  await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  send({ type: 'subscribe_answer', sdp: pc.localDescription.sdp });
}

/* ---- mute ---- */

function applyMute(kind) {
  for (const t of state.local?.getTracks() || []) if (t.kind === kind) t.enabled = !state.muted[kind];
}

function toggleMute(kind) {
  state.muted[kind] = !state.muted[kind];
  applyMute(kind);
  send({ type: 'mute', kind, muted: state.muted[kind] });
  const button = $(kind === 'audio' ? 'toggle-mic' : 'toggle-camera');
  button.setAttribute('aria-pressed', String(state.muted[kind]));
  button.textContent = kind === 'audio'
    ? (state.muted.audio ? 'Unmute microphone' : 'Mute microphone')
    : (state.muted.video ? 'Turn camera on' : 'Turn camera off');
  render('local');
}
state.toggleMute = toggleMute;

$('toggle-mic').addEventListener('click', () => toggleMute('audio'));
$('toggle-camera').addEventListener('click', () => toggleMute('video'));

/* ---- screen sharing: a second participant "NAME (screen)" that only publishes ---- */

async function shareScreen(streamForTests) {
  if (state.screen) return stopScreen();
  let stream = streamForTests;
  try {
    stream ||= await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (err) {
    setStatus(`screen sharing did not start (${err.name})`, true);
    return;
  }
  const ws = new WebSocket(signalUrl());
  const screen = { ws, pc: null, sub: null, stream };
  state.screen = screen;
  stream.getVideoTracks()[0].addEventListener('ended', stopScreen);
  ws.onopen = () => send(joinMessage(`${state.name} (screen)`, { screen: true }), ws);
  ws.onmessage = async (e) => {
    const msg = JSON.parse(e.data);
    if (msg.type === 'joined') {
      screen.pc = await makePublisher(new MediaStream(stream.getVideoTracks()), ws);
    } else if (msg.type === 'publish_answer') {
      screen.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
    } else if (msg.type === 'ice' && msg.connection === 'publish' && msg.candidate) {
      screen.pc?.addIceCandidate({ candidate: msg.candidate, sdpMLineIndex: msg.sdp_mline_index }).catch(() => {});
    } else if (msg.type === 'subscribe_offer') {
      // The screen connection receives nothing: every m-line is declined.
      screen.sub ||= new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      await screen.sub.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      screen.sub.getTransceivers().forEach((t) => { if (!t.stopped) t.stop(); });
      await screen.sub.setLocalDescription(await screen.sub.createAnswer());
      send({ type: 'subscribe_answer', sdp: screen.sub.localDescription.sdp }, ws);
    } else if (msg.type === 'error') {
      setStatus(`screen sharing: ${msg.message}`, true);
    }
  };
  $('toggle-screen').setAttribute('aria-pressed', 'true');
  $('toggle-screen').textContent = 'Stop sharing';
}

function stopScreen() {
  const screen = state.screen;
  if (!screen) return;
  state.screen = null;
  send({ type: 'leave' }, screen.ws);
  screen.ws.close();
  screen.pc?.close();
  screen.sub?.close();
  screen.stream.getTracks().forEach((t) => t.stop());
  $('toggle-screen').setAttribute('aria-pressed', 'false');
  $('toggle-screen').textContent = 'Share screen';
}
state.shareScreen = shareScreen;
$('toggle-screen').addEventListener('click', () => shareScreen());

/* ---- active speaker and connection state, from the receivers' statistics ---- */

// Receiver track id -> participant id, for reading inbound-rtp statistics.
function trackOwners(pc) {
  const owners = new Map();
  for (const t of pc.getTransceivers()) {
    const info = state.midToTrack.get(t.mid);
    if (info && t.receiver.track) owners.set(t.receiver.track.id, info.participant_id);
  }
  return owners;
}

// What arrived from each participant, by display name: {frames, audioPackets} (for tests).
state.inbound = async () => {
  const out = {};
  if (!state.sub) return out;
  const owners = trackOwners(state.sub);
  (await state.sub.getStats()).forEach((r) => {
    const name = r.type === 'inbound-rtp' && state.participants.get(owners.get(r.trackIdentifier))?.name;
    if (!name) return;
    const o = (out[name] ||= { frames: 0, audioPackets: 0 });
    if (r.kind === 'video') o.frames += r.framesDecoded || 0;
    else o.audioPackets += r.packetsReceived || 0;
  });
  return out;
};

async function sampleStats() {
  const pc = state.sub;
  if (!pc) return;
  const byTrack = trackOwners(pc);
  const packets = new Map();
  let loudest = null;
  let loudestLevel = 0.02;  // below this, nobody is speaking
  (await pc.getStats()).forEach((r) => {
    if (r.type !== 'inbound-rtp') return;
    const id = byTrack.get(r.trackIdentifier);
    if (!id) return;
    packets.set(id, (packets.get(id) || 0) + (r.packetsReceived || 0));
    if (r.kind === 'audio' && (r.audioLevel || 0) > loudestLevel) {
      loudestLevel = r.audioLevel;
      loudest = id;
    }
  });
  for (const [id, p] of state.participants) {
    const now = packets.get(id) || 0;
    const muted = [...p.tracks.values()].every((t) => t.muted);
    const next = p.tracks.size === 0 ? 'no media' : now > (p.packets || 0) ? 'connected' : muted ? 'muted' : p.packets ? 'no media' : 'connecting';
    p.packets = now;
    if (next !== p.state) {
      p.state = next;
      render(id);
    }
  }
  if (loudest !== state.activeSpeaker) {
    $(`tile-${state.activeSpeaker}`)?.classList.remove('speaking');
    state.activeSpeaker = loudest;
    $(`tile-${loudest}`)?.classList.add('speaking');
    renderPeople();
  }
}
setInterval(() => sampleStats().catch(() => {}), 500);

/* ---- the signaling connection ---- */

const handlers = {
  joined(msg) {
    state.participantId = msg.participant_id;
    state.retries = 0;
    for (const p of msg.participants) addParticipant(p);
    $('chat-log').replaceChildren();
    state.chat = [];
    for (const m of msg.chat || []) showChat(m);
    setStatus(`in ${msg.room}`);
    publish().catch((e) => setStatus(`could not publish: ${e}`, true));
  },
  participant_joined(msg) { addParticipant(msg.participant); },
  participant_left(msg) { removeParticipant(msg.participant_id); },
  track_published(msg) {
    const p = state.participants.get(msg.participant_id);
    if (p) { p.tracks.set(msg.track.id, { kind: msg.track.kind, muted: msg.track.muted }); render(msg.participant_id); }
  },
  track_unpublished(msg) {
    const p = state.participants.get(msg.participant_id);
    if (p) { p.tracks.delete(msg.track_id); render(msg.participant_id); }
  },
  track_muted(msg) {
    const t = state.participants.get(msg.participant_id)?.tracks.get(msg.track_id);
    if (t) { t.muted = msg.muted; render(msg.participant_id); }
  },
  chat(msg) { showChat(msg); },
  publish_answer(msg) { state.pub?.setRemoteDescription({ type: 'answer', sdp: msg.sdp }); },
  subscribe_offer(msg) { onSubscribeOffer(msg).catch((e) => setStatus(`could not receive: ${e}`, true)); },
  ice(msg) {
    const pc = msg.connection === 'subscribe' ? state.sub : state.pub;
    if (pc && msg.candidate) pc.addIceCandidate({ candidate: msg.candidate, sdpMLineIndex: msg.sdp_mline_index }).catch(() => {});
  },
  error(msg) {
    if (msg.code === 'room_full') {
      stopWith('This room is full. Try again later or pick another room.');
      return;
    }
    if (msg.code === 'unauthorized') {
      stopWith(token ? `This meeting link is not valid (${msg.message}). Ask the host for a new invite link.`
                     : 'This meeting needs an invite link. Ask the host for one.');
      return;
    }
    if (msg.code === 'forbidden' && !state.participantId) {
      stopWith(`This link does not let you join this room (${msg.message}).`);
      return;
    }
    setStatus(`${msg.code}: ${msg.message}`, true);
  },
  left(msg) {
    if (msg.reason === 'left') return;
    if (msg.reason === 'replaced') {
      stopWith('You joined this meeting from another tab or device; this one has left.');
      return;
    }
    state.leaving = msg.reason === 'room_deleted';
    setStatus(msg.reason === 'room_deleted' ? 'The room was closed.' : `removed from the room (${msg.reason})`, true);
  },
};

// Drops the peer connections and everyone else's tiles; keeps the camera.
function resetMedia() {
  state.pub?.close();
  state.sub?.close();
  state.pub = state.sub = null;
  state.midToTrack.clear();
  for (const id of [...state.participants.keys()]) removeParticipant(id);
}

function connect() {
  const ws = new WebSocket(signalUrl());
  let opened = false;
  state.ws = ws;
  ws.onopen = () => {
    opened = true;
    setStatus('joining…');
    send(joinMessage(state.name));
  };
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    handlers[msg.type]?.(msg);
  };
  ws.onclose = () => {
    if (state.ws !== ws) return;
    resetMedia();
    if (state.leaving) return;
    const delay = Math.min(10, 2 ** state.retries++);
    setStatus(opened ? `Connection to the gateway lost; reconnecting in ${delay} s…`
                     : `Cannot reach the gateway at ${location.host}; retrying in ${delay} s…`, true);
    setTimeout(() => { if (!state.leaving) connect(); }, delay * 1000);
  };
}
state.reconnectNow = () => state.ws?.close();

function leave() {
  state.leaving = true;
  send({ type: 'leave' });
  stopScreen();
  state.ws?.close();
  resetMedia();
  state.local?.getTracks().forEach((t) => t.stop());
  state.local = null;
  $('tile-local')?.remove();
  layout();
  setStatus('You left the meeting.');
  $('leave').disabled = true;
}
$('leave').addEventListener('click', leave);

$('toggle-side').addEventListener('click', () => {
  const hidden = document.body.classList.toggle('side-hidden');
  $('toggle-side').setAttribute('aria-pressed', String(!hidden));
  $('toggle-side').textContent = hidden ? 'Show people and chat' : 'Hide people and chat';
});

// With a token, a guest link comes from the gateway (POST .../invites, which needs the host's
// admin grant); without authentication the room's address is the invitation.
async function inviteLink() {
  if (!token) return `${location.origin}/r/${encodeURIComponent(room)}`;
  const r = await fetch(`/v1/rooms/${encodeURIComponent(room)}/invites`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ttl_s: 86400 }),
  });
  const body = await r.json().catch(() => ({}));
  if (r.status === 403) throw new Error('Only the host can make invite links.');
  if (!r.ok) throw new Error(`No invite link: ${body.error?.message || r.status}`);
  return body.url;
}

$('copy-invite').addEventListener('click', async () => {
  let link;
  try {
    link = await inviteLink();
  } catch (e) {
    setStatus(e.message, true);
    return;
  }
  state.inviteLink = link;
  try {
    await navigator.clipboard.writeText(link);
    $('copy-invite').textContent = 'Copied';
  } catch {
    setStatus(`Invite link: ${link}`);
  }
});

function start(name) {
  state.name = name;
  connect();
}

if (!/^[A-Za-z0-9_-]{1,64}$/.test(room)) {
  setStatus('This is not a valid room name (letters, digits, - and _).', true);
} else if (token && !claims) {
  stopWith('This meeting link is damaged (its token cannot be read). Ask the host for a new one.');
} else if (claims?.exp && claims.exp * 1000 < Date.now()) {
  stopWith('This meeting link has expired. Ask the host for a new invite link.');
} else if (params.get('name') || claims?.name) {
  start(params.get('name') || claims.name);
} else {
  const form = $('name-form');
  form.hidden = false;
  $('name-input').value = localStorage.getItem('mediagw.name') || '';
  setStatus('enter your name to join');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = $('name-input').value;
    localStorage.setItem('mediagw.name', n);
    params.set('name', n);
    history.replaceState(null, '', `${location.pathname}?${params}`);
    form.hidden = true;
    start(n);
  });
}
