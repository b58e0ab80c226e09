// The cart: a token in localStorage (the shop's capability), the badge, the "Add to cart" button, the
// cart panel and the checkout form. Everything is a plain focusable control so a TV remote works:
// Tab or Menu reaches the buttons, arrows move between controls, OK presses, Back closes.
import { money } from "/static/overlay.js";

const KEY = "holoshop-cart";
const $ = (id) => document.getElementById(id);
const notice = $("notice"), badge = $("badge"), cartButton = $("cart-button");
const panel = $("cart-panel"), form = $("checkout"), statusLine = $("checkout-status");
const params = new URLSearchParams(location.search);
let token = null;          // the cart this page and its session use (a co-browsed session's shared one)
let own = null;            // the page's own cart token, as kept in localStorage
let currency = "EUR";
let attempt = null;        // { key, body }: one Idempotency-Key per checkout attempt, reused on retry
let noticeTimer = 0;
let quoteTimer = 0;
let paying = false;

async function api(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = data && data.detail;
    const text = typeof detail === "string" ? detail
      : Array.isArray(detail) && detail[0] ? `${detail[0].loc.slice(-1)[0]}: ${detail[0].msg}` : `the shop answered ${response.status}`;
    throw Object.assign(new Error(text), { status: response.status });
  }
  return data;
}

function uuid() {  // crypto.randomUUID needs a secure context; a TV on plain http:// has none
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export async function ensureToken(fresh = false) {
  own = fresh ? null : localStorage.getItem(KEY);
  if (own) {
    const response = await fetch(`/api/carts/${encodeURIComponent(own)}`).catch(() => null);
    if (response && [403, 404, 422].includes(response.status)) own = null;  // gone or not ours: a new one
  }
  if (!own) {
    try {
      own = (await api("POST", "/api/carts")).token;
      localStorage.setItem(KEY, own);
    } catch (e) { own = null; }  // the shop is unreachable: adding says so, and a reload tries again
  }
  token = token || own;
  return own;
}

export const ownToken = () => own;

export function say(text, kind) {
  notice.textContent = text;
  notice.className = kind || "";
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { notice.hidden = true; }, 3500);
}

function setCount(count) {
  badge.textContent = String(count);
  cartButton.setAttribute("aria-label", `Cart, ${count} item${count === 1 ? "" : "s"}`);
}

// -- messages from the session ------------------------------------------------------------------
export function onMessage(message) {
  if (message.type === "state") setCount(message.cart_count || 0);
  else if (message.type === "cart") {
    token = message.token;  // co-browsing: the session's shared cart
    setCount(message.count);
    if (message.message) say(message.message, "ok");
    if (!panel.hidden) showCart();
  } else if (message.type === "error") say(message.message, "error");
  else if (message.navigate === "cart") { open(panel); showCart(); }  // "show me my cart"
  else if (message.navigate === "checkout") openCheckout();
}

// -- panels -----------------------------------------------------------------------------------------
const focusables = (root) => [...root.querySelectorAll("button, input, select, [tabindex='0']")].filter((e) => !e.disabled && e.offsetParent);
let returnFocus = null;

function open(view) {
  for (const p of [panel, form]) p.hidden = p !== view;
  returnFocus = returnFocus || document.activeElement;
  const first = focusables(view)[0];
  if (first) first.focus();
}

function close() {
  panel.hidden = form.hidden = true;
  if (returnFocus && returnFocus.focus) returnFocus.focus();
  returnFocus = null;
}

function line(item) {
  const li = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = `${item.product_name}${item.variant_name ? `, ${item.variant_name}` : ""}`;
  const qty = document.createElement("span");
  qty.className = "qty";
  qty.textContent = `× ${item.quantity}`;
  const total = document.createElement("span");
  total.textContent = money(item.line_total_minor, item.currency);
  const button = (text, label, quantity) => {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = text; b.setAttribute("aria-label", `${label} ${name.textContent}`);
    b.disabled = quantity > item.in_stock;
    b.onclick = () => change(item.variant_id, quantity);
    return b;
  };
  li.append(name, button("−", "One less", item.quantity - 1), qty, button("+", "One more", item.quantity + 1),
    total, button("Remove", "Remove", 0));
  return li;
}

async function change(variantId, quantity) {
  const path = `/api/carts/${encodeURIComponent(token)}/items/${variantId}`;
  try {
    render(quantity > 0 ? await api("PUT", path, { quantity }) : await api("DELETE", path));
  } catch (error) { say(error.message, "error"); }
}

function render(cart) {
  currency = cart.currency || currency;
  setCount(cart.count);
  $("cart-lines").replaceChildren(...cart.items.map(line));
  $("cart-empty").hidden = cart.items.length > 0;
  $("cart-subtotal").textContent = money(cart.subtotal_minor, cart.currency);
  $("checkout-open").disabled = cart.items.length === 0;
  const focused = panel.contains(document.activeElement) && document.activeElement.isConnected;
  if (!panel.hidden && !focused) (focusables(panel)[0] || panel).focus();
}

async function showCart() {
  try { render(await api("GET", `/api/carts/${encodeURIComponent(token)}`)); } catch (error) {
    $("cart-lines").replaceChildren();
    $("cart-empty").hidden = false;
    $("cart-empty").textContent = `The cart is not available: ${error.message}`;
    $("checkout-open").disabled = true;
  }
}

// -- checkout ---------------------------------------------------------------------------------------
function request() {
  const f = new FormData(form);
  const address = { name: f.get("name"), line1: f.get("line1"), city: f.get("city"), postal_code: f.get("postal_code"), country: f.get("country") };
  if (f.get("line2")) address.line2 = f.get("line2");
  const body = { cart_token: token, email: f.get("email"), address, shipping_option: f.get("shipping") };
  if (params.get("payment_method")) body.payment_method = params.get("payment_method");
  return body;
}

function summary(s) {
  const rows = [["Subtotal", s.subtotal_minor], ["Shipping", s.shipping_minor], ["Tax", s.tax_minor], ["Total", s.total_minor]];
  const dl = document.createElement("dl");
  for (const [label, value] of rows) {
    if (value === undefined) continue;
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = label; dd.textContent = money(value, s.currency);
    dl.append(dt, dd);
  }
  $("summary").replaceChildren(dl);
}

async function quote() {
  if (!form.checkValidity()) return;
  try { summary(await api("POST", "/api/checkout/quote", request())); } catch (error) { statusLine.textContent = error.message; }
}

async function openCheckout() {
  statusLine.textContent = "";
  $("order").hidden = true;
  open(form);
  const box = $("shipping");
  if (!box.querySelector("input")) {
    try {
      const options = await api("GET", "/api/checkout/shipping-options");
      box.append(...options.map((o, i) => {
        const label = document.createElement("label");
        label.className = "choice";
        const input = Object.assign(document.createElement("input"), { type: "radio", name: "shipping", value: o.id, required: true, checked: i === 0 });
        label.append(input, ` ${o.name} · ${money(o.price_minor, o.currency)} · ${o.days} day${o.days === 1 ? "" : "s"}`);
        return label;
      }));
    } catch (error) { statusLine.textContent = `No shipping options: ${error.message}`; }
  }
  quote();
}

async function pay(event) {
  event.preventDefault();
  if (!form.reportValidity()) return;
  const body = request(), text = JSON.stringify(body);
  if (!attempt || attempt.body !== text) attempt = { key: uuid(), body: text };  // a retry reuses its key
  if (paying) return;  // not `disabled`: that would drop the remote's focus from the button
  paying = true;
  statusLine.textContent = "Paying…";
  try {
    const order = await api("POST", "/api/checkout", body, { "Idempotency-Key": attempt.key });
    attempt = null;
    const paid = order.status === "paid";
    statusLine.textContent = paid ? "Thank you: your order is paid." : `Order ${order.status.replace("_", " ")}.`;
    const o = $("order");
    o.textContent = `Order number ${order.id} · ${money(order.total_minor, order.currency)} · ${order.status.replace("_", " ")}`;
    o.hidden = false;
    if (order.status !== "cancelled") {  // the cart is spent: a fresh one for this page and its session
      token = null;
      const fresh = await ensureToken(true);
      token = fresh;
      document.dispatchEvent(new CustomEvent("holoshop-cart-token", { detail: fresh }));
      setCount(0);
    }
  } catch (error) {
    if (!error.status || error.status >= 500) statusLine.textContent = `${error.message}. Press Pay to try again.`;
    else { attempt = null; statusLine.textContent = error.message; }
  } finally { paying = false; }
}

// -- keys: the remote inside the UI -------------------------------------------------------------------
function keys(event) {
  const target = event.target;
  const view = !panel.hidden ? panel : !form.hidden ? form : null;
  if (!view && !(target.closest && target.closest("[data-ui]"))) {  // the showroom has the keys
    if (event.key === "ContextMenu" || event.key === "m" || event.key === "Tab") {
      event.preventDefault();
      $("add").focus();
    }
    return;
  }
  event.stopPropagation();  // keys on the cart's controls never drive the showroom
  const typing = target.matches && target.matches("input:not([type=radio]), select");
  if (event.key === "Enter" && event.repeat) { event.preventDefault(); return; }  // one press, one click
  if (event.key === "Escape" || (["Backspace", "GoBack", "BrowserBack"].includes(event.key) && !typing)) {
    event.preventDefault();
    if (view) close(); else target.blur();
    return;
  }
  const step = { ArrowDown: 1, ArrowUp: -1, ArrowRight: view ? 0 : 1, ArrowLeft: view ? 0 : -1 }[event.key];
  if (!step || target.tagName === "SELECT" || (target.type === "radio" && view)) return;
  event.preventDefault();
  const list = focusables(view || $("bar"));
  const next = list[list.indexOf(target) + step];
  if (next) next.focus(); else if (!view && event.key === "ArrowUp") target.blur();
}

export function bindCart(send) {
  document.addEventListener("keydown", keys, true);
  $("add").onclick = (event) => { send({ type: "command", name: "add_to_cart" }); if (event.detail) event.currentTarget.blur(); };
  cartButton.onclick = () => { open(panel); showCart(); };
  $("checkout-open").onclick = openCheckout;
  for (const b of document.querySelectorAll("[data-close]")) b.onclick = close;
  form.addEventListener("submit", pay);
  form.addEventListener("change", () => { clearTimeout(quoteTimer); quoteTimer = setTimeout(quote, 300); });
  const country = form.elements.country;
  const names = window.Intl && Intl.DisplayNames ? new Intl.DisplayNames(undefined, { type: "region" }) : null;
  const region = (navigator.language.split("-")[1] || "").toUpperCase();
  for (const code of "AT BE CA CH CZ DE DK ES FI FR GB IE IT JP NL NO PL PT SE US".split(" ")) {
    country.append(new Option(names ? names.of(code) : code, code, false, code === region));
  }
}
