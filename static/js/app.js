// Small behaviours of our own: confirmation before destructive actions, type-ahead choosers, the
// package list and price that follow the order date, and the week grid's sums. Every page works
// without this file; it only saves clicks.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm || (event.submitter && event.submitter.dataset.confirm);
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// --- Type-ahead choosers ---------------------------------------------------------------------------
// A <select data-chooser> becomes a Tom Select (shipped by the django-tomselect package, served from
// our static files): type a few letters, pick with the arrow keys and Enter. The <select> stays the
// form's field, so the form posts the same values with or without JavaScript.
function enhanceChoosers(root) {
  if (!window.TomSelect) return;
  root.querySelectorAll("select[data-chooser]").forEach((select) => {
    if (select.tomselect || select.disabled) return;
    const empty = select.querySelector('option[value=""]');
    const settings = {
      maxOptions: null,
      // Filter at once: with Tom Select's default delay, "Far" + Enter typed quickly picks the
      // suggestion that was first before the typing.
      refreshThrottle: 0,
      closeAfterSelect: true,
      selectOnTab: false,
      // A filter's empty choice ("Alla konsulter") can be picked again; a form's "– Välj –" is the
      // placeholder only.
      allowEmptyOption: Boolean(empty && !select.required && select.closest("[role=search]")),
      render: {
        no_results: () => '<div class="no-results">Inga träffar</div>',
      },
    };
    if (select.multiple) {
      settings.placeholder = "Skriv för att söka";
      settings.plugins = { remove_button: { title: "Ta bort", label: "×" } };
    }
    const chooser = new window.TomSelect(select, settings);
    // The <select> stays in the page for the form (and out of the tab order): keep it from screen
    // readers too, which would otherwise meet a second, unlabelled list.
    select.setAttribute("aria-hidden", "true");
    // What the <select> said about itself (its help text, its error) the chooser says now.
    ["aria-describedby", "aria-invalid"].forEach((name) => {
      if (select.hasAttribute(name)) chooser.control_input.setAttribute(name, select.getAttribute(name));
    });
    // Tom Select names its remove buttons only with a title; give them a name a screen reader reads.
    const nameRemoveButtons = () => {
      chooser.control.querySelectorAll(".item").forEach((item) => {
        const button = item.querySelector(".remove");
        if (button) button.setAttribute("aria-label", `Ta bort ${item.firstChild.textContent.trim()}`);
      });
    };
    chooser.on("item_add", nameRemoveButtons);
    nameRemoveButtons();
    // Tom Select opens its list on focus and then, a tick later, "focuses" again: after a quick Tab
    // that second call would pull the focus back from the next field. Only a chooser that still has
    // the focus opens.
    const onFocus = chooser.onFocus.bind(chooser);
    chooser.onFocus = (event) => {
      if (document.activeElement === chooser.control_input) onFocus(event);
    };
    // Enter picks the highlighted suggestion; with none highlighted it must not send the form half done.
    chooser.control_input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !chooser.activeOption) event.preventDefault();
    });
  });
}

// A link of the error summary to a chooser's <select> takes the focus to the chooser.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("#error-summary a[href^='#']");
  const target = link && document.getElementById(link.hash.slice(1));
  if (target && target.tomselect) {
    event.preventDefault();
    target.tomselect.focus();
  }
});

// The manager list is reloaded (htmx) when the organisation changes: read the new options in.
document.addEventListener("htmx:afterSwap", (event) => {
  const select = event.detail.target;
  if (select && select.tomselect) {
    select.tomselect.clear(true);
    select.tomselect.clearOptions();
    select.tomselect.sync();
  }
});

// --- Packages of the order date's price list, and the price that follows them ------------------------
function packageData(select) {
  return select && select.dataset.packages ? JSON.parse(select.dataset.packages) : [];
}

function formatKronor(value) {
  return Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

function updateListPrice() {
  const select = document.querySelector("select[data-packages]");
  const price = document.getElementById("id_price");
  if (!select || !price || price.dataset.touched) return;
  const chosen = packageData(select).find((p) => String(p.id) === select.value);
  if (!chosen) return;
  const quantity = document.getElementById("id_quantity");
  const qty = quantity ? parseFloat((quantity.value || "1").replace(/\s/g, "").replace(",", ".")) || 1 : 1;
  price.value = formatKronor(chosen.price * qty);
}

// The package list shows the packages of the order date's year. A package already chosen follows to
// the same package (by code) of the new year's list; if that list has none, the choice is emptied and
// the help text under the list says so (it is a live region).
function showPackagesOfYear(dateInput) {
  const select = document.querySelector("select[data-packages]");
  if (!select || !dateInput.value) return;
  const year = Number(dateInput.value.slice(0, 4));
  if (!year || Number(select.dataset.year) === year) return;
  const packages = packageData(select);
  const before = packages.find((p) => String(p.id) === select.value);
  const ofYear = packages.filter((p) => p.year === year);
  const empty = select.querySelector('option[value=""]');
  select.replaceChildren(...(empty ? [empty] : []));
  ofYear.forEach((p) => select.add(new Option(p.label, p.id)));
  select.dataset.year = String(year);
  const same = before && ofYear.find((p) => p.code === before.code);
  select.value = same ? String(same.id) : "";
  const help = document.getElementById(`${select.id}_helptext`);
  if (help) {
    let text = ofYear.length
      ? `Paketen i prislistan för ${year}, beställningsdatumets år.`
      : `Det finns ingen prislista för ${year}. Välj ett annat beställningsdatum eller be en administratör lägga upp prislistan.`;
    if (before && same) text += ` ${before.label} ur ${year} års lista är valt.`;
    if (before && !same && ofYear.length) text += ` ${before.label} finns inte i ${year} års lista: välj paket igen.`;
    help.textContent = text;
  }
  updateListPrice();
}

function initPackages() {
  const select = document.querySelector("select[data-packages]");
  const dateInput = document.getElementById("id_ordered_on");
  if (!select || !dateInput) return;
  const help = document.getElementById(`${select.id}_helptext`);
  if (help) help.setAttribute("aria-live", "polite");
  const shown = packageData(select).find((p) => select.querySelector(`option[value="${p.id}"]`));
  if (shown) select.dataset.year = String(shown.year);
  else if (dateInput.value) select.dataset.year = dateInput.value.slice(0, 4);
}

document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-packages]")) updateListPrice();
  if (event.target.id === "id_ordered_on") showPackagesOfYear(event.target);
  if (event.target.name === "outcome") markRequiredWhen();
});

document.addEventListener("input", (event) => {
  if (event.target.id === "id_price") event.target.dataset.touched = "1";
  if (event.target.id === "id_quantity") updateListPrice();
  if (event.target.id === "id_ordered_on") showPackagesOfYear(event.target);
  if (event.target.closest("table.week-grid")) updateWeekSums(event.target.closest("table.week-grid"));
});

// --- Fields required only for one choice (Tillträde when the outcome is Tillsatt) --------------------
function markRequiredWhen() {
  document.querySelectorAll("[data-required-when]").forEach((input) => {
    const [name, value] = input.dataset.requiredWhen.split("=");
    const chosen = document.querySelector(`input[name="${name}"]:checked`);
    const required = Boolean(chosen && chosen.value === value);
    input.setAttribute("aria-required", String(required));
    const field = input.closest(".field");
    if (field) field.classList.toggle("is-required", required);
  });
}

// --- The week grid: each row's and day's sum as hours are typed --------------------------------------
function readHours(text) {
  const number = parseFloat(String(text).replace(/[\s\u00a0]/g, "").replace(",", "."));
  return Number.isFinite(number) ? number : 0;
}

function formatHours(number) {
  return `${(Math.round(number * 100) / 100).toString().replace(".", ",")}\u00a0h`;
}

function updateWeekSums(table) {
  const dayTotals = {};
  let weekTotal = 0;
  table.querySelectorAll("tbody tr").forEach((row) => {
    let rowTotal = 0;
    row.querySelectorAll("[data-day]").forEach((cell) => {
      const hours = readHours(cell.value !== undefined ? cell.value : cell.dataset.hours);
      rowTotal += hours;
      dayTotals[cell.dataset.day] = (dayTotals[cell.dataset.day] || 0) + hours;
    });
    const sum = row.querySelector("[data-row-sum]");
    if (sum) sum.textContent = formatHours(rowTotal);
    weekTotal += rowTotal;
  });
  table.querySelectorAll("[data-day-sum]").forEach((cell) => {
    const total = dayTotals[cell.dataset.daySum] || 0;
    cell.textContent = formatHours(total);
    cell.classList.toggle("over", total > 24);
  });
  const week = table.querySelector("[data-week-sum]");
  if (week) week.textContent = formatHours(weekTotal);
}

// --- Suggested consultants (the registration page's advisory panel) ------------------------------
// The panel is filled by htmx and shown only with scripts; "Välj" puts the consultant in the
// Ansvarig konsult chooser (or its plain <select> when Tom Select is missing). Nothing is required.
function initSuggestions() {
  const panel = document.querySelector("[data-suggestions]");
  if (!panel || !window.htmx) return;
  panel.hidden = false;
  // The ranking shown goes with the form (kept beside the consultant chosen, for follow-up).
  panel.addEventListener("htmx:afterSwap", () => {
    const list = panel.querySelector("[data-ranked]");
    const kept = document.getElementById("id_suggested");
    if (kept) kept.value = list ? list.dataset.ranked : "";
  });
  panel.addEventListener("click", (event) => {
    const button = event.target.closest("[data-suggest-user]");
    if (!button) return;
    const select = document.getElementById("id_responsible");
    if (!select) return;
    const value = button.dataset.suggestUser;
    if (select.tomselect) select.tomselect.setValue(value);
    else {
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    panel.querySelectorAll("[data-suggest-user]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
  });
}

// --- On load ---------------------------------------------------------------------------------------
window.addEventListener("DOMContentLoaded", () => {
  enhanceChoosers(document);
  initPackages();
  initSuggestions();
  document.querySelectorAll("table.week-grid").forEach(updateWeekSums);
  markRequiredWhen();
  // Focus the error summary so screen readers announce it.
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

// --- Tables wider than the page ---------------------------------------------------------------------
// A table that scrolls sideways in its .table-wrap must be reachable by keyboard (WCAG 2.1.1): the
// wrap becomes a named, focusable region, so the arrow keys scroll it. A wrap that does not scroll
// stays out of the tab order. Checked again when the window changes size, a <details> opens or htmx
// swaps in new content.
function tableName(wrap) {
  const chartTitle = wrap.querySelector("svg.chart title");
  if (chartTitle) return chartTitle.textContent.trim();
  const table = wrap.querySelector("table");
  const caption = table && table.querySelector("caption");
  if (caption) return caption.textContent.trim();
  const labelledBy = table && table.getAttribute("aria-labelledby");
  const heading = labelledBy && document.getElementById(labelledBy);
  if (heading) return heading.textContent.trim();
  const around = wrap.closest("section, details, article, form, main");
  const near = around && around.querySelector("h2, h3, h4, summary, legend");
  return near ? near.textContent.trim() : "Tabell";
}

function markScrollingTables(root) {
  (root || document).querySelectorAll(".table-wrap, .chart-figure").forEach((wrap) => {
    const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    if (scrolls && !wrap.hasAttribute("tabindex")) {
      wrap.tabIndex = 0;
      wrap.dataset.scrolls = "";
      wrap.setAttribute("role", "region");
      if (!wrap.hasAttribute("aria-label")) {
        const what = wrap.classList.contains("chart-figure") ? "rullbart diagram" : "rullbar tabell";
        wrap.setAttribute("aria-label", `${tableName(wrap)} (${what})`);
      }
    } else if (!scrolls && "scrolls" in wrap.dataset) {
      ["tabindex", "role", "aria-label", "data-scrolls"].forEach((name) => wrap.removeAttribute(name));
    }
  });
}

window.addEventListener("DOMContentLoaded", () => markScrollingTables(document));
let resizeTimer;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => markScrollingTables(document), 150);
});
document.addEventListener("toggle", (event) => markScrollingTables(event.target), true);
document.addEventListener("htmx:afterSettle", () => markScrollingTables(document));
