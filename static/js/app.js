// Small behaviours of our own: confirmation before destructive actions and the package price default.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm || (event.submitter && event.submitter.dataset.confirm);
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

document.addEventListener("change", (event) => {
  const select = event.target;
  if (!select.matches("select[data-package-prices]")) return;
  const prices = JSON.parse(select.dataset.packagePrices);
  const price = document.getElementById("id_price");
  const quantity = document.getElementById("id_quantity");
  const entry = prices[select.value];
  if (!entry || !price) return;
  const qty = quantity ? parseFloat((quantity.value || "1").replace(",", ".")) || 1 : 1;
  if (!price.dataset.touched) {
    price.value = (entry * qty).toFixed(0);
  }
});

document.addEventListener("input", (event) => {
  if (event.target.id === "id_price") event.target.dataset.touched = "1";
});

// Focus the error summary so screen readers announce it.
window.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
