// 快捷回复 in the reply box (issue #16.3): "/" typed at the start of the box (or of a line) opens a
// picker filtered by what follows it; the Canned replies button opens it with its own search field.
// Choosing one asks the server to fill its variables for this ticket and inserts the text at the
// cursor (in place of "/query"), as plain text. ↑/↓ move, Enter chooses, Esc closes.
// A static file: the Content-Security-Policy allows no inline script.
(function () {
  var DELAY_MS = 120;
  var QUERY_MAX = 40;

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function json(response) {
    return response.ok ? response.json() : Promise.reject(new Error("HTTP " + response.status));
  }

  function setUp(box) {
    var area = document.getElementById(box.dataset.cannedFor);
    if (!area) return;
    var button = box.querySelector(".canned-open");
    var picker = box.querySelector(".canned-picker");
    var search = box.querySelector(".canned-q");
    var list = box.querySelector(".canned-list");
    var note = box.querySelector(".canned-note");
    // pending: a question is on its way; enterPending: Enter was pressed before its answer came
    var state = {mode: null, slashAt: -1, start: 0, end: 0, items: [], active: -1, timer: null, asked: 0,
                 pending: false, enterPending: false};

    function typed() {
      return state.mode === "slash" ? area.value.slice(state.slashAt + 1, area.selectionStart) : search.value;
    }

    function open(mode) {
      state.mode = mode;
      state.items = [];  // nothing of the last opening may be chosen before this one's answer
      state.active = -1;
      list.textContent = "";
      note.textContent = "";
      picker.hidden = false;
      button.setAttribute("aria-expanded", "true");
      search.hidden = mode === "slash";  // the query is typed in the reply box itself
      if (mode === "slash") {
        area.setAttribute("aria-controls", list.id);
        area.setAttribute("aria-expanded", "true");
      } else {
        state.start = area.selectionStart;
        state.end = area.selectionEnd;
        search.value = "";
        search.focus();
      }
      ask(typed());
    }

    function close() {
      state.mode = null;
      state.slashAt = -1;
      picker.hidden = true;
      button.setAttribute("aria-expanded", "false");
      area.removeAttribute("aria-expanded");
      area.removeAttribute("aria-controls");
      area.removeAttribute("aria-activedescendant");
      clearTimeout(state.timer);
    }

    function ask(query) {
      state.pending = true;
      state.enterPending = false;
      clearTimeout(state.timer);
      state.timer = setTimeout(function () { load(query); }, DELAY_MS);
    }

    function load(query) {
      var asked = ++state.asked;  // an answer to an older question is dropped
      var url = box.dataset.listUrl + "?limit=20&q=" + encodeURIComponent(query.trim().slice(0, 100));
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(json)
        .then(function (page) { if (asked === state.asked && state.mode) show(page.items); })
        .catch(function () { if (asked === state.asked && state.mode) show([]); })
        .then(function () { if (asked === state.asked) state.pending = false; });
    }

    function show(items) {
      state.items = items;
      state.active = items.length ? 0 : -1;
      list.textContent = "";
      if (!items.length) {
        var empty = document.createElement("li");
        empty.className = "canned-empty muted small";
        empty.textContent = box.dataset.textEmpty;
        list.appendChild(empty);
      }
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + item.id;
        option.className = "canned-option";
        option.setAttribute("role", "option");
        var title = document.createElement("span");
        title.className = "canned-option-title";
        title.textContent = item.title;
        if (item.scope === "shared") {
          var badge = document.createElement("span");
          badge.className = "badge canned-shared";
          badge.textContent = box.dataset.textShared;
          title.appendChild(badge);
        }
        var text = document.createElement("span");
        text.className = "canned-option-text";
        text.textContent = item.body;
        option.appendChild(title);
        option.appendChild(text);
        // mousedown, not click: the reply box keeps its focus and its cursor
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(option);
      });
      highlight();
      if (state.enterPending && items.length) choose(0);  // typed and pressed Enter before the answer
      state.enterPending = false;
    }

    function highlight() {
      var options = list.querySelectorAll(".canned-option");
      Array.prototype.forEach.call(options, function (option, index) {
        option.setAttribute("aria-selected", index === state.active ? "true" : "false");
        if (index === state.active && option.scrollIntoView) option.scrollIntoView({block: "nearest"});
      });
      var owner = state.mode === "slash" ? area : search;
      if (state.active >= 0) owner.setAttribute("aria-activedescendant", options[state.active].id);
      else owner.removeAttribute("aria-activedescendant");
    }

    function choose(index) {
      var item = state.items[index];
      if (!item) return;
      var start = state.mode === "slash" ? state.slashAt : state.start;
      var end = state.mode === "slash" ? area.selectionStart : state.end;
      close();
      fetch(box.dataset.renderUrl.replace("{id}", encodeURIComponent(item.id)), {
        method: "POST", credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(area.form), Accept: "application/json"},
      })
        .then(json)
        .then(function (rendered) {
          area.focus();
          area.setRangeText(rendered.text, start, end, "end");
          area.dispatchEvent(new Event("input", {bubbles: true}));
          note.textContent = rendered.missing.length
            ? box.dataset.textMissing + " " + rendered.missing.join(" ") : "";
        })
        .catch(function () {
          note.textContent = box.dataset.textFailed;
          area.focus();
        });
    }

    function move(by) {
      if (!state.items.length) return;
      state.active = (state.active + by + state.items.length) % state.items.length;
      highlight();
    }

    function keys(event) {
      if (!state.mode || event.isComposing) return;  // an input method's Enter is not a choice
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Enter" && state.active >= 0 && !state.pending) {
        event.preventDefault();
        choose(state.active);
      } else if (event.key === "Enter" && state.pending) { event.preventDefault(); state.enterPending = true; }
      else if (event.key === "Escape") { event.preventDefault(); close(); area.focus(); }
    }

    area.addEventListener("keydown", function (event) { if (state.mode === "slash") keys(event); });
    search.addEventListener("keydown", keys);
    search.addEventListener("input", function () { ask(search.value); });
    area.addEventListener("input", function () {
      var at = area.selectionStart;
      if (state.mode === "slash") {
        var query = area.value.slice(state.slashAt + 1, at);
        if (at <= state.slashAt || area.value.charAt(state.slashAt) !== "/" || /\n/.test(query)
            || query.length > QUERY_MAX) close();
        else ask(query);
        return;
      }
      if (state.mode === null && at > 0 && area.value.charAt(at - 1) === "/"
          && (at === 1 || area.value.charAt(at - 2) === "\n")) {
        state.slashAt = at - 1;
        open("slash");
      }
    });
    area.addEventListener("blur", function () { if (state.mode === "slash") close(); });
    button.addEventListener("click", function () { if (state.mode) close(); else open("button"); });
    document.addEventListener("mousedown", function (event) {
      if (state.mode === "button" && !box.contains(event.target)) close();
    });
  }

  ready(function () {
    Array.prototype.forEach.call(document.querySelectorAll(".canned[data-canned-for]"), setUp);
  });
})();
