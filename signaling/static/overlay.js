// The product card: follows the state messages the server sends on every change.
const overlay = document.getElementById("overlay");
const field = (id) => document.getElementById(id);

// Minor units to a price: the currency's own number of decimals (none for JPY, two for EUR).
export function money(minor, currency) {
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "EUR" });
  return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
}

export function showState(state) {
  const product = state.product;
  if (!product) { overlay.hidden = true; return; }
  overlay.hidden = false;
  field("name").textContent = product.name;
  field("price").textContent = money(product.price_minor, product.currency);
  field("variant").textContent = product.variants.length ? `Colour: ${product.variants[state.variant ?? 0]}` : "";
  field("mode").textContent = state.mode === "inspect" ? "Inspecting · drag to turn · wheel to zoom" : "";
  overlay.dataset.focused = state.focused;
  overlay.dataset.mode = state.mode;
}
