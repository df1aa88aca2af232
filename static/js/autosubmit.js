// A <select data-autosubmit> sends its form when it changes (the language switch, the list's order).
// A handler in a static file instead of onchange="…", because the Content-Security-Policy allows no
// inline script. data-autosubmit="request" goes through requestSubmit(), so htmx and the form's
// own submit handlers see it; plain submit() otherwise.
document.addEventListener("change", function (event) {
  var field = event.target.closest("[data-autosubmit]");
  if (!field || !field.form) return;
  if (field.dataset.autosubmit === "request" && field.form.requestSubmit) {
    field.form.requestSubmit();
  } else {
    field.form.submit();
  }
});
