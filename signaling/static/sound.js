// The assistant's voice rides the stream: the video starts muted (browsers only autoplay silent media),
// the first touch or key unmutes it unless the shopper turned the sound off, and the toggle says which.
const button = document.getElementById("sound");
const KEY = "holoshop-sound";

export function bindSound(video) {
  const show = () => {
    button.textContent = video.muted ? "Sound off" : "Sound on";
    button.setAttribute("aria-pressed", String(!video.muted));
  };
  const first = (event) => {
    if (event.target === button) return;  // the toggle decides for itself
    window.removeEventListener("pointerdown", first, true);
    window.removeEventListener("keydown", first, true);
    if (localStorage.getItem(KEY) !== "off") video.muted = false;
    show();
  };
  window.addEventListener("pointerdown", first, true);
  window.addEventListener("keydown", first, true);
  button.onclick = () => {
    video.muted = !video.muted;
    localStorage.setItem(KEY, video.muted ? "off" : "on");
    show();
  };
  video.addEventListener("volumechange", show);  // also muted by the browser or a remote's mute key
  document.addEventListener("holoshop-audio", () => { button.hidden = false; });  // a voice to hear
  show();
}
