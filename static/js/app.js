// Small behaviours of our own: confirmation before destructive actions and the package price default.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm || (event.submitter && event.submitter.dataset.confirm);
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// The price follows the price list (package price × quantity) until the user types a price.
function formatKronor(value) {
  return Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

function updateListPrice() {
  const select = document.querySelector("select[data-package-prices]");
  const price = document.getElementById("id_price");
  if (!select || !price || price.dataset.touched) return;
  const prices = JSON.parse(select.dataset.packagePrices);
  const unitPrice = prices[select.value];
  if (unitPrice === undefined) return;
  const quantity = document.getElementById("id_quantity");
  const qty = quantity ? parseFloat((quantity.value || "1").replace(/\s/g, "").replace(",", ".")) || 1 : 1;
  price.value = formatKronor(unitPrice * qty);
}

document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-package-prices]")) updateListPrice();
});

document.addEventListener("input", (event) => {
  if (event.target.id === "id_price") event.target.dataset.touched = "1";
  if (event.target.id === "id_quantity") updateListPrice();
});

// Focus the error summary so screen readers announce it.
window.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
