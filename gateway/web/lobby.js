// The lobby at /: name, room, camera and microphone preview with device choice, invite link.
import { chooseDevice, chosenDevice, listDevices, openMedia } from './media.js';

const $ = (id) => document.getElementById(id);
const randomRoom = () => Math.random().toString(36).slice(2, 8);
let preview = null;

$('room').value = new URLSearchParams(location.search).get('room') || randomRoom();
$('name').value = localStorage.getItem('mediagw.name') || '';

function inviteLink() {
  return `${location.origin}/r/${encodeURIComponent($('room').value)}`;
}

function updateInvite() {
  $('invite').value = $('room').checkValidity() ? inviteLink() : '';
}

async function startPreview() {
  preview?.getTracks().forEach((t) => t.stop());
  const { stream, problem } = await openMedia();
  preview = stream;
  $('preview').srcObject = stream;
  $('preview-status').textContent = problem || 'Your camera and microphone are ready.';
  $('preview-status').classList.toggle('error', !!problem);
  if (navigator.mediaDevices?.enumerateDevices) {
    const cam = stream?.getVideoTracks()[0]?.getSettings().deviceId || chosenDevice('camera');
    const mic = stream?.getAudioTracks()[0]?.getSettings().deviceId || chosenDevice('microphone');
    await listDevices($('camera'), 'videoinput', cam);
    await listDevices($('microphone'), 'audioinput', mic);
  }
}

for (const [id, kind] of [['camera', 'camera'], ['microphone', 'microphone']]) {
  $(id).addEventListener('change', () => {
    chooseDevice(kind, $(id).value);
    startPreview();
  });
}

$('room').addEventListener('input', updateInvite);
$('create').addEventListener('click', () => {
  $('room').value = randomRoom();
  updateInvite();
  $('name').focus();
});

$('copy').addEventListener('click', async () => {
  updateInvite();
  try {
    await navigator.clipboard.writeText($('invite').value);
    $('copy').textContent = 'Copied';
  } catch {
    $('invite').select();  // the user copies it by hand
  }
});

// A pasted meeting link (…/r/ROOM?token=…) names its room and token; a bare token goes with the
// room typed above.
function meetingFrom(pasted) {
  const text = pasted.trim();
  if (!text) return { room: $('room').value, token: '' };
  try {
    const u = new URL(text);
    const m = u.pathname.match(/^\/r\/([A-Za-z0-9_-]{1,64})$/);
    if (m && u.searchParams.get('token')) return { room: m[1], token: u.searchParams.get('token') };
  } catch { /* not a URL: a token */ }
  return { room: $('room').value, token: text };
}

$('join').addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem('mediagw.name', $('name').value);
  preview?.getTracks().forEach((t) => t.stop());
  const { room, token } = meetingFrom($('token').value);
  const q = new URLSearchParams({ name: $('name').value });
  if (token) q.set('token', token);
  location.href = `/r/${encodeURIComponent(room)}?${q}`;
});

updateInvite();
startPreview();
