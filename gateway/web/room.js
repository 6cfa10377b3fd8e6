// The first meeting page: joins /r/{room} with camera and microphone and shows everyone else.
// Speaks the signaling protocol of docs/signaling.md over two peer connections: one to publish
// (we offer), one to subscribe (mediagw offers and renegotiates as people come and go).

const room = decodeURIComponent(location.pathname.split('/')[2] || '');
const params = new URLSearchParams(location.search);
const statusEl = document.getElementById('status');
const tilesEl = document.getElementById('tiles');
document.getElementById('room-name').textContent = room;

const state = {
  ws: null,
  pub: null,
  sub: null,
  local: null,
  participantId: null,
  names: new Map(),        // participant id -> display name
  midToTrack: new Map(),   // subscribe mid -> {participant_id, track_id, kind}
  streams: new Map(),      // participant id -> MediaStream shown in its tile
};
window.mediagw = state;  // for tests and curious people

function setStatus(text, isError = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle('error', isError);
}

function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(msg));
}

function tileFor(id, name) {
  let tile = document.getElementById(`tile-${id}`);
  if (!tile) {
    tile = document.createElement('div');
    tile.className = 'tile';
    tile.id = `tile-${id}`;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    const label = document.createElement('span');
    label.className = 'name';
    tile.append(video, label);
    tilesEl.append(tile);
  }
  if (name !== undefined) tile.querySelector('.name').textContent = name;
  return tile;
}

function removeTile(id) {
  document.getElementById(`tile-${id}`)?.remove();
  state.streams.delete(id);
}

function candidateSender(connection) {
  return (e) => {
    if (!e.candidate) return;
    send({ type: 'ice', connection, candidate: e.candidate.candidate,
           sdp_mline_index: e.candidate.sdpMLineIndex ?? 0 });
  };
}

async function publish() {
  try {
    state.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  } catch (err) {
    setStatus(`camera/microphone unavailable (${err.name}); you can still watch`, true);
    return;
  }
  const me = tileFor('local', `${params.get('name')} (you)`);
  me.querySelector('video').muted = true;
  me.querySelector('video').srcObject = state.local;

  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  state.pub = pc;
  pc.onicecandidate = candidateSender('publish');
  for (const track of state.local.getTracks()) {
    const t = pc.addTransceiver(track, { direction: 'sendonly', streams: [state.local] });
    if (track.kind === 'video' && RTCRtpSender.getCapabilities) {
      // The forwarder understands VP8 and H.264 keyframes; offer those first.
      const codecs = RTCRtpSender.getCapabilities('video').codecs;
      const preferred = codecs.filter((c) => /video\/(VP8|H264)/i.test(c.mimeType));
      if (preferred.length && t.setCodecPreferences) t.setCodecPreferences(preferred);
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  send({ type: 'publish', sdp: pc.localDescription.sdp });
}

function subscriber() {
  if (state.sub) return state.sub;
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  pc.onicecandidate = candidateSender('subscribe');
  pc.ontrack = (e) => {
    const info = state.midToTrack.get(e.transceiver.mid);
    if (!info) return;
    let stream = state.streams.get(info.participant_id);
    if (!stream) {
      stream = new MediaStream();
      state.streams.set(info.participant_id, stream);
    }
    for (const old of stream.getTracks().filter((t) => t.kind === e.track.kind)) stream.removeTrack(old);
    stream.addTrack(e.track);
    const video = tileFor(info.participant_id, state.names.get(info.participant_id)).querySelector('video');
    if (video.srcObject !== stream) video.srcObject = stream;
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

const handlers = {
  joined(msg) {
    state.participantId = msg.participant_id;
    for (const p of msg.participants) { state.names.set(p.id, p.name); tileFor(p.id, p.name); }
    setStatus(`in room ${msg.room}`);
    publish();
  },
  participant_joined(msg) { state.names.set(msg.participant.id, msg.participant.name); tileFor(msg.participant.id, msg.participant.name); },
  participant_left(msg) { removeTile(msg.participant_id); },
  publish_answer(msg) { state.pub.setRemoteDescription({ type: 'answer', sdp: msg.sdp }); },
  subscribe_offer(msg) { onSubscribeOffer(msg).catch((e) => setStatus(`subscribe failed: ${e}`, true)); },
  ice(msg) {
    const pc = msg.connection === 'subscribe' ? state.sub : state.pub;
    if (pc && msg.candidate) pc.addIceCandidate({ candidate: msg.candidate, sdpMLineIndex: msg.sdp_mline_index }).catch(() => {});
  },
  error(msg) { setStatus(`${msg.code}: ${msg.message}`, true); },
  left(msg) { setStatus(`left the room (${msg.reason})`, msg.reason !== 'left'); teardown(); },
};

function teardown() {
  state.pub?.close();
  state.sub?.close();
  state.local?.getTracks().forEach((t) => t.stop());
  state.pub = state.sub = null;
}

function connect(name) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/v1/signal`);
  state.ws = ws;
  ws.onopen = () => send({ type: 'join', room, name });
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    handlers[msg.type]?.(msg);
  };
  ws.onclose = () => { if (state.participantId) setStatus('disconnected from the gateway', true); };
  ws.onerror = () => setStatus('cannot reach the gateway', true);
}

document.getElementById('leave').addEventListener('click', () => {
  send({ type: 'leave' });
  teardown();
  for (const id of [...state.streams.keys(), 'local']) removeTile(id);
});

const name = params.get('name');
if (name) {
  connect(name);
} else {
  const form = document.getElementById('name-form');
  form.hidden = false;
  setStatus('enter your name to join');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = document.getElementById('name-input').value;
    params.set('name', n);
    history.replaceState(null, '', `${location.pathname}?${params}`);
    form.hidden = true;
    connect(n);
  });
}
