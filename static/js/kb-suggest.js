// 提交问题: while the customer writes the subject and what happened, ask for matching public articles
// (KB-4 deflection). A static file because the Content-Security-Policy allows no inline script; htmx.ajax
// fetches the partial and wires up what it contains. Asks at most once per pause in typing.
(function () {
  var DELAY_MS = 400;
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var box = document.querySelector("[data-kb-suggest]");
    if (!box || !window.htmx) return;
    var sources = (box.dataset.kbFields || "").split(",").map(function (id) {
      return document.getElementById(id.trim());
    }).filter(Boolean);
    var timer = null;
    var last = null;
    function ask() {
      var text = sources.map(function (f) { return f.value || ""; }).join(" ").trim().slice(0, 2000);
      if (text === last) return;
      last = text;
      if (!text) { box.innerHTML = ""; return; }
      htmx.ajax("GET", box.dataset.kbSuggest + "?q=" + encodeURIComponent(text), {target: box, swap: "innerHTML"});
    }
    sources.forEach(function (field) {
      field.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(ask, DELAY_MS);
      });
    });
    ask();
  });
})();
