// "Shop with your hands": the camera is opt-in, marked while it is live and stopped on request.
// It rides a send-only video section that every connection offers; until the viewer opts in that
// section sends nothing, so turning the camera on or off needs no new offer (replaceTrack).
// Frames go to the showroom's server for gesture recognition only; nothing here records them.
const $ = (id) => document.getElementById(id);
const startButton = $("hands"), stopButton = $("camera-stop"), live = $("camera-live"), toast = $("gesture");
const FEEDBACK = {
  swipe_left: "👈 Next", swipe_right: "👉 Previous", thumbs_up: "👍 Adding to cart", open_palm: "✋ Back",
  pinch_zoom: "🤏 Zoom", grab_drag: "✊ Turn", dwell: "👆 Select", pinch: "👌 Select",
};
let sender = null;  // the connection's camera sender; null when the server takes no camera
let stream = null;
let toastTimer = 0;

function show(text) {
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 1500);
}

function mark(on) {
  const hadFocus = document.activeElement === startButton || document.activeElement === stopButton;
  live.hidden = !on;
  stopButton.hidden = !on;
  startButton.hidden = on || !sender;
  if (hadFocus) (on ? stopButton : startButton).focus();  // a remote's focus stays in the bar
}

async function start() {
  if (!sender || stream) return;
  startButton.disabled = true;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, frameRate: { max: 25 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    track.addEventListener("ended", stop);  // the browser's own stop, or the camera unplugged
    await sender.replaceTrack(track);
    mark(true);
    show("Camera on: swipe, pinch, thumbs up");
  } catch (error) {
    stop();
    show(error && error.name === "NotAllowedError" ? "Camera not allowed" : "No camera available");
  } finally { startButton.disabled = false; }
}

export function stop() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  if (sender) sender.replaceTrack(null).catch(() => {});
  mark(false);
}

// Each new connection brings its own camera sender (or none): a live camera moves over to it.
export function attachCamera(cameraSender) {
  sender = cameraSender && navigator.mediaDevices && navigator.mediaDevices.getUserMedia ? cameraSender : null;
  if (stream && sender) sender.replaceTrack(stream.getVideoTracks()[0]).catch(stop);
  else if (stream) stop();
  mark(Boolean(stream));
}

export function onMessage(message) {
  if (message.type === "gesture") show(FEEDBACK[message.name] || message.name);
}

export function bindHands() {
  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", stop);
  addEventListener("pagehide", stop);
}
