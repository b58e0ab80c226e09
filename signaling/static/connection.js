// One WebRTC connection to the render node: receive video, talk over the "input" data channel.

function waitForIce(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 2000);  // host candidates arrive at once; never hang on a slow server
  });
}

// One stream for the element: the showroom's picture and the assistant's voice, each replacing its
// own kind (a reconnection's new tracks replace the ended ones).
function attachTrack(video, track) {
  const others = video.srcObject ? video.srcObject.getTracks().filter((t) => t.kind !== track.kind && t.readyState === "live") : [];
  video.srcObject = new MediaStream([...others, track]);
  video.play().catch(() => {});
  if (track.kind === "audio") document.dispatchEvent(new CustomEvent("holoshop-audio"));
}

export async function connect({ video, sessionId, width, height, codec, onMessage, onClosed }) {
  const config = await fetch("/rtc/config").then((r) => (r.ok ? r.json() : { ice_servers: [] }));
  const pc = new RTCPeerConnection({ iceServers: config.ice_servers.map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })) });
  pc.addTransceiver("video", { direction: "recvonly" });  // the showroom: first, as the server expects
  const camera = pc.addTransceiver("video", { direction: "sendonly" });  // "shop with your hands": no track until asked
  pc.addTransceiver("audio", { direction: "recvonly" });  // the assistant's voice
  const channel = pc.createDataChannel("input", { ordered: true });
  let closed = false;
  const close = (reason) => {
    if (closed) return;
    closed = true;
    pc.close();
    onClosed(reason);
  };
  channel.onmessage = (event) => {
    try { onMessage(JSON.parse(event.data)); } catch (e) { /* ignore what we cannot read */ }
  };
  channel.onclose = () => close("the connection closed");
  pc.ontrack = (event) => attachTrack(video, event.track);
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "failed") close("the connection failed");
    if (pc.connectionState === "disconnected") setTimeout(() => { if (pc.connectionState === "disconnected") close("the connection dropped"); }, 3000);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await waitForIce(pc);
  const body = { sdp: pc.localDescription.sdp, type: "offer" };
  if (sessionId) body.session_id = sessionId;
  if (width && height) { body.width = width; body.height = height; }
  if (codec) body.codec = codec;
  const response = await fetch("/rtc/offer", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) {
    pc.close();
    const detail = await response.json().catch(() => ({}));
    const error = new Error(typeof detail.detail === "string" ? detail.detail : `the server answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  const answer = await response.json();
  await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
  // A server without gesture recognition answers the camera section inactive: no button then.
  const cameraSender = camera.currentDirection === "sendonly" ? camera.sender : null;
  return { pc, channel, sessionId: answer.session_id, cameraSender };
}
