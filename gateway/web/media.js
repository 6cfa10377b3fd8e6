// Camera and microphone helpers shared by the lobby and the meeting: which devices the user
// picked (kept for the tab in sessionStorage), getUserMedia with them, and a sentence for every
// way that can fail.

const KEY = { camera: 'mediagw.camera', microphone: 'mediagw.microphone' };

export function chosenDevice(kind) {
  return sessionStorage.getItem(KEY[kind]) || '';
}

export function chooseDevice(kind, deviceId) {
  if (deviceId) sessionStorage.setItem(KEY[kind], deviceId);
  else sessionStorage.removeItem(KEY[kind]);
}

function constraints(video, audio) {
  const cam = chosenDevice('camera');
  const mic = chosenDevice('microphone');
  return {
    video: video && { width: { ideal: 640 }, height: { ideal: 480 }, ...(cam && { deviceId: { exact: cam } }) },
    audio: audio && (mic ? { deviceId: { exact: mic } } : true),
  };
}

// Camera and microphone if possible, else whichever works. Returns {stream, problem}: `problem`
// explains what is missing, or is '' when both are there.
export async function openMedia() {
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, problem: 'This page needs a secure context (https, or http://localhost) to use your camera and microphone.' };
  }
  let firstError = null;
  for (const [video, audio] of [[true, true], [false, true], [true, false]]) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints(video, audio));
      const missing = !video ? 'camera' : !audio ? 'microphone' : '';
      return { stream, problem: missing ? `${explain(firstError)} You join without your ${missing}.` : '' };
    } catch (err) {
      firstError ||= err;
      if (err.name === 'NotAllowedError' || err.name === 'SecurityError') break;
      if (err.name === 'OverconstrainedError') { chooseDevice('camera', ''); chooseDevice('microphone', ''); }
    }
  }
  return { stream: null, problem: `${explain(firstError)} You can still see and hear the others.` };
}

export function explain(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Permission to use the camera and microphone was denied.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found.';
    case 'NotReadableError':
      return 'The camera or microphone is in use by another program.';
    default:
      return err ? `The camera or microphone could not start (${err.name}).` : '';
  }
}

// Fills a <select> with the devices of one kind ('videoinput', 'audioinput').
export async function listDevices(select, kind, chosen) {
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === kind);
  select.replaceChildren(...devices.map((d, i) => {
    const o = document.createElement('option');
    o.value = d.deviceId;
    o.textContent = d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}`;
    o.selected = d.deviceId === chosen;
    return o;
  }));
  select.disabled = devices.length === 0;
}
