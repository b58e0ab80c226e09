// The product card: follows the state messages the server sends on every change.
const overlay = document.getElementById("overlay");
const field = (id) => document.getElementById(id);

export function showState(state) {
  const product = state.product;
  if (!product) { overlay.hidden = true; return; }
  overlay.hidden = false;
  field("name").textContent = product.name;
  field("price").textContent = new Intl.NumberFormat(undefined, { style: "currency", currency: product.currency })
    .format(product.price_minor / 100);
  field("variant").textContent = product.variants.length ? `Colour: ${product.variants[state.variant ?? 0]}` : "";
  field("mode").textContent = state.mode === "inspect" ? "Inspecting · drag to turn · wheel to zoom" : "";
  overlay.dataset.focused = state.focused;
  overlay.dataset.mode = state.mode;
}
