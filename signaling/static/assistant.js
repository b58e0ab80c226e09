// The assistant: the Ask panel (text box, the browser's own speech recognition, an on-screen keyboard
// for a TV remote), `listening` while the shopper speaks or types, and the answers as subtitles and
// product chips. Keys inside these controls never reach the showroom (a window capture listener
// runs before input.js's and cart.js's).
import { money } from "/static/overlay.js";
import { say } from "/static/cart.js";

const $ = (id) => document.getElementById(id);
const panel = $("ask-panel"), box = $("ask-text"), mic = $("ask-mic"), keysButton = $("ask-keys"), osk = $("osk");
const askButton = $("ask"), says = $("says"), asked = $("asked"), subtitle = $("subtitle"), spoken = $("says-live"), chips = $("chips");
const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
const ROWS = ["1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm,.?"];
const SPECIAL = [["space", "Space"], ["del", "⌫", "Delete"], ["send", "Send"], ["close", "Close", "Close the keyboard"]];
const TAIL_S = 1;  // the last words stay a moment after the voice stops
const BACK = ["Escape", "GoBack", "BrowserBack"];
const DIRS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
const products = new Map();  // id → { name, price_minor, currency }: from state messages and /api/products
let send = () => false;
let recognition = null, listening = false, quiet = false, timers = [], expired = true, catalog = null;

// -- sending ---------------------------------------------------------------------------------------
const utf8 = new TextEncoder();
function fit(text) {  // the server takes 500 characters and 1024 bytes a message
  let chars = Array.from(text.trim()).slice(0, 500);
  const bytes = (c) => utf8.encode(JSON.stringify({ type: "text", text: c.join("") })).length;
  while (chars.length && bytes(chars) > 1024) chars = chars.slice(0, -8);
  return chars.join("");
}

function ask(words) {
  const text = fit(words);
  if (!text) return;
  if (!send({ type: "text", text })) { say("Not connected yet: try again in a moment", "error"); return; }
  box.value = "";
  box.classList.remove("interim");
  clear();
  expired = false;
  asked.textContent = text;
  says.classList.add("on", "waiting");
  timers = [setTimeout(hide, 15000)];  // no answer came: let it go
  quiet = true;  // sent: the character answers rather than listens, until the shopper goes on
  update();
}

function update() {  // `listening` on every change: mic on, or the shopper in the box or the keyboard
  const inside = panel.contains(document.activeElement) && !panel.hidden;
  const active = Boolean(recognition) || (inside && !quiet);
  if (active !== listening && send({ type: "listening", active })) listening = active;
}

// -- the panel ---------------------------------------------------------------------------------
function open(withKeyboard) {
  panel.hidden = false;
  askButton.setAttribute("aria-expanded", "true");
  showKeyboard(withKeyboard);
  if (!withKeyboard) box.focus();
}

function close() {
  if (recognition) recognition.abort();
  panel.hidden = true;
  askButton.setAttribute("aria-expanded", "false");
  askButton.focus();
  update();
}

function showKeyboard(on) {
  osk.hidden = !on;
  keysButton.setAttribute("aria-pressed", String(on));
  if (on) osk.querySelector("[data-key=q]").focus();
}

function press(key) {
  quiet = false;
  if (key === "send") ask(box.value);
  else if (key === "close") { showKeyboard(false); keysButton.focus(); }
  else if (key === "del") box.value = box.value.slice(0, -1);
  else if (box.value.length < 500) box.value += key === "space" ? " " : key;
  update();
}

function buildKeyboard() {
  const row = (keys) => {
    const div = document.createElement("div");
    div.className = "osk-row";
    div.append(...keys.map(([key, text, label]) => {
      const b = Object.assign(document.createElement("button"), { type: "button", textContent: text, tabIndex: -1 });
      b.dataset.key = key;
      if (label) b.setAttribute("aria-label", label);
      return b;
    }));
    return div;
  };
  osk.append(...ROWS.map((r) => row([...r].map((c) => [c, c]))), row(SPECIAL));
  osk.addEventListener("click", (event) => { const b = event.target.closest("button"); if (b) press(b.dataset.key); });
}

// -- the remote: arrows move to the nearest control that way (spatial navigation) ----------------------
function move(from, [dx, dy]) {  // the nearest that way, in line with `from` if any is (a row, a column)
  const f = from.getBoundingClientRect();
  let best = null, score = Infinity;
  for (const el of [...panel.querySelectorAll("input, button"), ...chips.children]) {
    if (el === from || !el.offsetParent || el.disabled) continue;
    const r = el.getBoundingClientRect();
    const along = (r.left + r.right - f.left - f.right) / 2 * dx + (r.top + r.bottom - f.top - f.bottom) / 2 * dy;
    const across = Math.abs((r.left + r.right - f.left - f.right) / 2 * dy + (r.top + r.bottom - f.top - f.bottom) / 2 * dx);
    const inLine = dx ? r.top < f.bottom && r.bottom > f.top : r.left < f.right && r.right > f.left;
    const s = along + 2 * across + (inLine ? 0 : 1e4);
    if (along > 1 && s < score) { score = s; best = el; }
  }
  return best;
}

function keys(event) {
  const target = event.target, key = event.key;
  const inPanel = panel.contains(target), inChips = chips.contains(target);
  if (target.closest && target.closest("#bar") && key === "ArrowUp" && chips.children.length && says.classList.contains("on")) {
    event.stopPropagation(); event.preventDefault(); chips.children[0].focus(); return;  // bar → chips
  }
  if (!inPanel && !inChips) return;
  event.stopPropagation();  // the Ask panel's and the chips' keys are theirs alone
  if (key === "Enter" && event.repeat) { event.preventDefault(); return; }
  if (BACK.includes(key) || (key === "Backspace" && target !== box && !osk.contains(target))) {
    event.preventDefault();
    if (inChips) target.blur(); else if (!osk.hidden && osk.contains(target)) press("close"); else close();
    return;
  }
  if (osk.contains(target) && key.length === 1 && !event.ctrlKey && !event.metaKey) {  // a real keyboard too
    event.preventDefault(); press(key === " " ? "space" : key); return;
  }
  if (osk.contains(target) && key === "Backspace") { event.preventDefault(); press("del"); return; }
  const dir = DIRS[key];
  if (!dir || (target === box && dir[1] === 0)) return;  // left and right move the caret in the box
  event.preventDefault();
  const next = move(target, dir) || (inChips && key === "ArrowDown" ? askButton : null);
  if (next) next.focus();
}

// -- answers: subtitles and chips -----------------------------------------------------------------------
function chunks(text) {  // about two lines at TV size: whole sentences, long ones cut between words
  const out = [];
  const put = (piece, join) => {
    const i = out.length - 1;
    if (join && i >= 0 && (out[i] + " " + piece).length <= 90) out[i] += " " + piece; else out.push(piece);
  };
  for (const sentence of text.trim().replace(/([.!?])\s+/g, "$1\n").split("\n")) {
    if (sentence.length <= 90) put(sentence, true); else sentence.split(/\s+/).forEach((word, i) => put(word, i > 0));
  }
  return out.filter(Boolean);
}

const readingTime = (text) => Math.min(20, Math.max(2.5, 1 + text.split(/\s+/).length / 2.5));

function clear() {
  for (const t of timers) clearTimeout(t);
  if (chips.contains(document.activeElement)) askButton.focus();  // the remote keeps a place
  says.classList.remove("on", "waiting", "speaking");
  subtitle.textContent = asked.textContent = "";
  chips.replaceChildren();
}

function hide() {
  expired = true;
  if (!chips.contains(document.activeElement)) clear();  // the remote is on a chip: stay until it leaves
}

function label(chip, id) {
  const p = products.get(id);
  chip.textContent = p ? `${p.name} · ${money(p.price_minor, p.currency)}` : id.replace(/[-_]+/g, " ");
  chip.setAttribute("aria-label", `Show me the ${p ? p.name : chip.textContent}`);
}

async function names(ids) {  // the catalog, fetched once and only when a reply names a product we do not know
  if (ids.every((id) => products.has(id))) return;
  catalog = catalog || fetch("/api/products").then((r) => (r.ok ? r.json() : [])).catch(() => []);
  for (const p of await catalog) if (!products.has(p.id)) products.set(p.id, p);
  if (!ids.some((id) => products.has(id))) catalog = null;  // a later reply tries again
}

function showAnswer(message) {
  for (const t of timers) clearTimeout(t);
  expired = false;
  says.classList.remove("waiting");
  says.classList.add("on");
  says.classList.toggle("speaking", Boolean(message.speaking));  // the voice is saying it: a lit frame
  const total = message.speech_s != null ? message.speech_s : readingTime(message.reply);
  spoken.textContent = message.reply;  // screen readers hear the whole reply once
  const parts = chunks(message.reply), length = parts.join("").length || 1;
  let at = 0;
  timers = parts.map((part) => {
    const t = setTimeout(() => { subtitle.textContent = part; }, at * 1000);
    at += (total * part.length) / length;
    return t;
  });
  timers.push(setTimeout(() => says.classList.remove("speaking"), total * 1000), setTimeout(hide, (total + TAIL_S) * 1000));
  const ids = (message.products || []).slice(0, 6);
  chips.replaceChildren(...ids.map((id) => {
    const chip = Object.assign(document.createElement("button"), { type: "button", className: "chip" });
    chip.dataset.id = id;
    chip.setAttribute("role", "listitem");
    label(chip, id);
    chip.onclick = () => ask(`Show me the ${products.has(id) ? products.get(id).name : chip.textContent}`);
    return chip;
  }));
  names(ids).then(() => { for (const chip of chips.children) label(chip, chip.dataset.id); });
}

export function onMessage(message) {
  if (message.type === "state" && message.product) products.set(message.product.id, message.product);
  else if (message.type === "assistant" && typeof message.reply === "string") showAnswer(message);
}

// -- speech: the browser's own recogniser, where there is one ---------------------------------------------
function listen() {
  if (recognition) { recognition.stop(); return; }
  const r = recognition = new Recognition();
  r.lang = navigator.language && navigator.language.startsWith("en") ? navigator.language : "en-US";
  r.interimResults = true;
  r.onresult = (event) => {
    let interim = "", final = "";
    for (let i = event.resultIndex; i < event.results.length; i++) {
      const result = event.results[i];
      if (result.isFinal) final += result[0].transcript; else interim += result[0].transcript;
    }
    box.value = final || interim;  // what it heard so far, greyed until it is sure
    box.classList.toggle("interim", !final);
    if (final) ask(final);
  };
  r.onerror = (event) => say(event.error === "not-allowed" ? "The microphone is blocked for this page" : `Speech: ${event.error}`, "error");
  r.onend = () => {
    recognition = null;
    mic.setAttribute("aria-pressed", "false");
    update();
  };
  quiet = false;
  mic.setAttribute("aria-pressed", "true");
  r.start();
  update();
}

export function bindAssistant(sender) {
  send = sender;
  buildKeyboard();
  mic.hidden = !Recognition;
  if (Recognition) mic.onclick = listen;
  // OK on the remote clicks without a pointer (detail 0): the on-screen keyboard, else the box.
  askButton.onclick = (event) => (panel.hidden ? open(event.detail === 0) : close());
  keysButton.onclick = () => showKeyboard(osk.hidden);
  $("ask-close").onclick = close;
  panel.addEventListener("submit", (event) => { event.preventDefault(); ask(box.value); });
  box.addEventListener("input", () => { quiet = false; box.classList.remove("interim"); update(); });
  window.addEventListener("keydown", keys, true);
  const later = () => setTimeout(update);  // focus moving between two of its controls is one change
  panel.addEventListener("focusin", (event) => { if (!panel.contains(event.relatedTarget)) quiet = false; later(); });
  panel.addEventListener("focusout", later);
  chips.addEventListener("focusout", () => setTimeout(() => { if (expired) hide(); }));
}
