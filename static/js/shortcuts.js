// Keyboard shortcuts of the agent workspace (issue #16.4), listed in the ? overlay (_shortcuts.html):
//   j / k   next / previous row of a list; on a ticket, the next / previous ticket of the last list seen
//   x       tick the current row (for the bulk bar)
//   r / n   write a reply / an internal note;  a  assign
//   g then m, u, t, r, b, a   the list views;  ?  this help;  Esc  close it
// "/" (the search box) is search-keys.js. No key is taken while typing in a field, nor with Ctrl, Alt or
// Cmd held (the browser's own shortcuts). A static file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var VIEWS = {m: "mine", u: "unassigned", t: "group", r: "at_risk", b: "breached", a: "all"};
  var LIST_KEY = "serviceloop-last-list";
  var pendingG = 0;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.list tbody tr[data-href]"));
  }

  function currentRow() {
    return document.querySelector("table.list tbody tr.kb-current");
  }

  function moveRow(step) {
    var all = rows();
    if (!all.length) return false;
    var at = all.indexOf(currentRow());
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    all.forEach(function (r) { r.classList.remove("kb-current"); });
    all[next].classList.add("kb-current");
    var link = all[next].querySelector("a[href]");
    if (link) link.focus();  // Enter opens it, as any link
    return true;
  }

  function rememberList() {
    var all = rows();
    if (!all.length) return;
    try {
      sessionStorage.setItem(LIST_KEY, JSON.stringify(all.map(function (r) { return r.dataset.href; })));
    } catch (e) { /* storage off: j / k on a ticket then do nothing */ }
  }

  function moveTicket(step) {
    var list;
    try { list = JSON.parse(sessionStorage.getItem(LIST_KEY) || "[]"); } catch (e) { return false; }
    var at = list.indexOf(window.location.pathname);
    if (at < 0 || !list[at + step]) return false;
    window.location.assign(list[at + step]);
    return true;
  }

  function focusField(selector) {
    var field = document.querySelector(selector);
    if (!field) return false;
    for (var open = field.closest("details"); open; open = open.parentElement.closest("details")) {
      open.open = true;  // the reply and note boxes may sit in a folded section
    }
    field.focus();
    field.scrollIntoView({block: "center"});
    return true;
  }

  function help() {
    return document.getElementById("shortcut-help");
  }

  function toggleHelp() {
    var dialog = help();
    if (!dialog) return false;
    if (dialog.open) dialog.close(); else dialog.showModal();
    return true;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest(".shortcut-help-close")) help().close();
    if (event.target.closest(".shortcut-help-open")) toggleHelp();
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable], dialog[open]")) {
      return;  // typing, or the help is open (it closes with Esc)
    }
    var key = event.key;
    var done = false;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      if (VIEWS[key] && document.body.dataset.staff === "1") {
        window.location.assign(document.body.dataset.home + "?view=" + VIEWS[key]);
        done = true;
      }
    } else if (key === "g") {
      pendingG = Date.now();
      done = true;
    } else if (key === "?") {
      done = toggleHelp();
    } else if (key === "j" || key === "k") {
      done = moveRow(key === "j" ? 1 : -1) || moveTicket(key === "j" ? 1 : -1);
    } else if (key === "x") {
      var row = currentRow();
      var box = row && row.querySelector(".row-select");
      if (box) {
        box.click();
        done = true;
      }
    } else if (key === "r") {
      done = focusField('form[action$="/reply/"] textarea');
    } else if (key === "n") {
      done = focusField('form[action$="/note/"] textarea');
    } else if (key === "a") {
      done = focusField('form[action$="/assign/"] select') || focusField("#bulk-form .bulk-action");
    }
    if (done) event.preventDefault();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", rememberList);
  } else {
    rememberList();
  }
  document.addEventListener("htmx:afterSwap", rememberList);
})();
