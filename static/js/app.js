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

// The plan's goal tree: open the goals around an anchor that is navigated to, and open or close all.
function openAround(target) {
  for (let node = target; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true;
  }
}

function openHashTarget() {
  if (!location.hash) return;
  const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target) {
    openAround(target);
    target.scrollIntoView();
  }
}

window.addEventListener("DOMContentLoaded", () => {
  // Opening or closing every goal needs this script: the buttons are shown only with it.
  document.querySelectorAll(".toc-actions[hidden]").forEach((actions) => {
    actions.hidden = false;
  });
  openHashTarget();
});
window.addEventListener("hashchange", openHashTarget);

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-goals]");
  if (!button) return;
  const open = button.dataset.goals === "open";
  document.querySelectorAll(".goal-tree details.goal-node").forEach((node) => {
    node.open = open;
  });
});

// A goal's follow-up is saved on its own (htmx). Its status line says what is not saved yet, what
// was saved, and what went wrong; a page left with unsaved goals asks first.
function goalState(form) {
  const goal = form && form.dataset.goal;
  return goal ? document.getElementById(`mal-${goal}-sparat`) : null;
}

function showGoalState(form, text, kind) {
  const state = goalState(form);
  if (!state) return;
  const span = document.createElement("span");
  span.className = `state-${kind}`;
  span.textContent = text;
  state.replaceChildren(span);
}

document.addEventListener("input", (event) => {
  const form = event.target.closest("form.goal-form");
  if (form && !form.dataset.dirty) {
    form.dataset.dirty = "1";
    showGoalState(form, "Osparade ändringar: tryck Spara målet.", "dirty");
  }
});

window.addEventListener("beforeunload", (event) => {
  if (document.querySelector("form.goal-form[data-dirty]")) {
    event.preventDefault();
    event.returnValue = "";
  }
});

document.addEventListener("htmx:responseError", (event) => {
  const form = event.detail.elt.closest("form[data-goal]");
  const status = event.detail.xhr.status;
  const why =
    status === 403
      ? "du får inte ändra det här målet."
      : status === 404
        ? "målet finns inte längre. Ladda om sidan."
        : `servern svarade med ett fel (${status}). Försök igen; det du skrivit finns kvar.`;
  showGoalState(form, `✗ Inte sparat: ${why}`, "error");
});

document.addEventListener("htmx:sendError", (event) => {
  const form = event.detail.elt.closest("form[data-goal]");
  showGoalState(form, "✗ Inte sparat: servern gick inte att nå. Försök igen; det du skrivit finns kvar.", "error");
});

// After a goal's part of the page is replaced, keyboard and screen-reader users land on its error
// summary or conflict, or on its status line if the button they used is gone.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target;
  if (!target || !target.classList || !target.classList.contains("goal-follow-up")) return;
  const problem = target.querySelector(".error-summary, .conflict");
  if (problem) {
    problem.focus();
    return;
  }
  if (document.activeElement === document.body || !document.activeElement) {
    const state = target.parentElement.querySelector(".save-state");
    if (state) state.focus();
  }
});
