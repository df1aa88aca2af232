// The ticket list (issue #16.2): a click anywhere on a row opens its ticket, ticked rows feed the bulk
// bar, and the bar shows only the fields its action needs. A static file: the Content-Security-Policy
// allows no inline script. Without JavaScript the number is the link and the bar's fields all show.
(function () {
  "use strict";
  // A click on these does its own thing; only a click on the rest of the row opens the ticket.
  var OWN_CLICK = "a, button, input, select, textarea, label, summary, form, [contenteditable]";

  document.addEventListener("click", function (event) {
    var row = event.target.closest("table.list tr[data-href]");
    if (!row || event.target.closest(OWN_CLICK)) return;
    var tick = event.target.closest("td.col-select");
    if (tick) {  // a near miss of the check box ticks it rather than leaving the list
      tick.querySelector("input").click();
      return;
    }
    if (window.getSelection && String(window.getSelection())) return;  // selecting text to copy it
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1) {
      window.open(row.dataset.href, "_blank", "noopener");
    } else {
      window.location.assign(row.dataset.href);
    }
  });

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("table.list .row-select"));
  }

  function refreshCount() {
    var count = document.querySelector(".bulk-count");
    var ticked = boxes().filter(function (b) { return b.checked; });
    boxes().forEach(function (b) { b.closest("tr").classList.toggle("selected", b.checked); });
    var all = document.querySelector("table.list .select-all");
    if (all) {
      all.hidden = false;
      all.checked = ticked.length > 0 && ticked.length === boxes().length;
      all.indeterminate = ticked.length > 0 && ticked.length < boxes().length;
    }
    if (count) {
      count.textContent = ticked.length
        ? count.dataset.some.replace("COUNT", ticked.length) : count.dataset.none;
    }
    var apply = document.querySelector(".bulk-apply");
    if (apply) apply.disabled = ticked.length === 0;
  }

  function showFieldsFor(select) {
    var form = select.form;
    Array.prototype.forEach.call(form.querySelectorAll("[data-for]"), function (field) {
      field.hidden = field.dataset.for !== select.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches(".select-all")) {
      boxes().forEach(function (b) { b.checked = event.target.checked; });
    }
    if (event.target.matches(".row-select, .select-all")) refreshCount();
    if (event.target.matches(".bulk-action")) showFieldsFor(event.target);
  });

  // The table refreshes itself every minute (htmx); not while rows are ticked, or the ticks would go.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.id === "ticket-table" && boxes().some(function (b) { return b.checked; })) {
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSwap", refreshCount);

  function start() {
    var action = document.querySelector(".bulk-action");
    if (action) showFieldsFor(action);
    refreshCount();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
