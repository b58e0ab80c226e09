// Holoshop thin client: plays the server-rendered showroom and sends input back.
import { connect } from "/static/connection.js";
import { bindInput } from "/static/input.js";
import { showState } from "/static/overlay.js";
import { bindCart, ensureToken, ownToken, onMessage as cartMessage } from "/static/cart.js";
import { attachCamera, bindHands, onMessage as handsMessage } from "/static/hands.js";
import { bindAssistant, onMessage as assistantMessage } from "/static/assistant.js";
import { bindSound } from "/static/sound.js";

const video = document.getElementById("video");
const status = document.getElementById("status");
const params = new URLSearchParams(location.search);
let joinId = params.get("session");  // a shared co-browsing link says which session to join
let link = null;
let retries = 0;
const cartToken = ensureToken();  // fetched once while the stream connects

function setStatus(text, kind) {
  status.textContent = text;
  status.className = kind || "";
  status.hidden = false;
}

function send(message) {  // true once sent: the Ask box keeps its words otherwise
  if (!link || link.channel.readyState !== "open") return false;
  link.channel.send(JSON.stringify(message));
  return true;
}

// Every message from the session: also the entry point for tests that deliver one themselves.
export function receive(message) {
  if (message.type === "state") showState(message);
  cartMessage(message);
  handsMessage(message);
  assistantMessage(message);
}

async function start() {
  setStatus(retries ? `Reconnecting (attempt ${retries + 1})…` : "Connecting to the showroom…");
  try {
    link = await connect({
      video,
      sessionId: joinId || sessionStorage.getItem("holoshop-session") || undefined,
      width: Number(params.get("width")) || undefined,
      height: Number(params.get("height")) || undefined,
      codec: params.get("codec") || undefined,
      onMessage: receive,
      onClosed: (reason) => { link = null; attachCamera(null); retry(reason); },
    });
    attachCamera(link.cameraSender);
    sessionStorage.setItem("holoshop-session", link.sessionId);
    const channel = link.channel;
    const tell = async () => {  // the session's cart, when the shop could give one
      await cartToken;
      if (ownToken()) send({ type: "cart", token: ownToken() });
    };
    if (channel.readyState === "open") tell(); else channel.addEventListener("open", tell, { once: true });
    joinId = null;  // reconnections rejoin the session we are in
    retries = 0;
    setStatus("Live", "ok");
    setTimeout(() => { if (status.className === "ok") status.hidden = true; }, 2000);
  } catch (error) {
    if (error.status === 404) {  // that session ended: start a new one
      sessionStorage.removeItem("holoshop-session");
      joinId = null;
    }
    link = null;
    retry(error.message);
  }
}

function retry(reason) {
  retries += 1;
  const delay = Math.min(10, 2 ** Math.min(retries, 4) / 2);
  setStatus(`Cannot reach the showroom: ${reason}. Retrying in ${delay} s…`, "error");
  setTimeout(start, delay * 1000);
}

bindInput(video, send);
bindCart(send);
bindHands();
bindAssistant(send);
bindSound(video);
document.addEventListener("holoshop-cart-token", (event) => send({ type: "cart", token: event.detail }));
start();
