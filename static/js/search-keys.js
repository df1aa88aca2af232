// The search box: "/" anywhere (outside a text field) puts the cursor in the top bar's search box;
// on the results page ↑ and ↓ move from one result to the next. A static file: the
// Content-Security-Policy allows no inline script.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  var typing = target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    var box = document.getElementById("topbar-search");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
    return;
  }
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  var links = Array.prototype.slice.call(document.querySelectorAll(".search-hit-link"));
  if (!links.length || (typing && target.id !== "search-page-q" && target.id !== "topbar-search")) return;
  var at = links.indexOf(document.activeElement);
  var next = event.key === "ArrowDown" ? at + 1 : at - 1;
  if (next < 0 || next >= links.length) return;
  event.preventDefault();
  links[next].focus();
});
