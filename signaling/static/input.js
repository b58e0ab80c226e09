// Keyboard (a TV remote's D-pad arrives as arrow keys), mouse and touch, sent as input messages.
const KEYS = { ArrowLeft: "ArrowLeft", ArrowRight: "ArrowRight", ArrowUp: "ArrowUp", ArrowDown: "ArrowDown",
  Enter: "Enter", Backspace: "Back", Escape: "Back", GoBack: "Back", BrowserBack: "Back" };

function pictureRect(video) {
  // The picture inside the element, letterboxed by object-fit: contain.
  const box = video.getBoundingClientRect();
  const vw = video.videoWidth || 16, vh = video.videoHeight || 9;
  const scale = Math.min(box.width / vw, box.height / vh);
  const w = vw * scale, h = vh * scale;
  return { left: box.left + (box.width - w) / 2, top: box.top + (box.height - h) / 2, width: w, height: h };
}

export function bindInput(video, send) {
  document.addEventListener("keydown", (event) => {
    const key = KEYS[event.key];
    if (!key || (event.target.closest && event.target.closest("[data-ui]"))) return;  // the cart's controls
    event.preventDefault();
    // Auto-repeats say so: the server adds to the cart when OK is held on an inspected product.
    send(event.repeat ? { type: "key", key, repeat: true } : { type: "key", key });
  });
  const pointer = (action) => (event) => {
    const r = pictureRect(video);
    const x = Math.min(1, Math.max(0, (event.clientX - r.left) / r.width));
    const y = Math.min(1, Math.max(0, (event.clientY - r.top) / r.height));
    const message = { type: "pointer", action, x, y, id: Math.max(0, event.pointerId % 64 || 0) };
    if (action === "wheel") message.dy = event.deltaY;
    send(message);
  };
  video.addEventListener("pointerdown", (e) => { video.setPointerCapture(e.pointerId); pointer("down")(e); });
  video.addEventListener("pointermove", (e) => { if (e.buttons || e.pointerType === "touch") pointer("move")(e); });
  video.addEventListener("pointerup", pointer("up"));
  video.addEventListener("pointercancel", pointer("up"));
  video.addEventListener("wheel", (e) => { e.preventDefault(); pointer("wheel")(e); }, { passive: false });
}
