// The ticket page's drop zone: files dropped on the upload form go into its file input and the form is
// sent at once. Without this script the same form works with the file picker, which is also the way in
// for the keyboard (the input and the Upload button are ordinary form controls).
(function () {
  "use strict";

  function carriesFiles(event) {
    var types = event.dataTransfer && event.dataTransfer.types;
    return !!types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }

  document.querySelectorAll("form[data-dropzone]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    if (!input) {
      return;
    }
    var depth = 0; // dragenter/dragleave also fire for the zone's children

    form.addEventListener("dragenter", function (event) {
      if (!carriesFiles(event)) {
        return;
      }
      event.preventDefault();
      depth += 1;
      form.classList.add("is-dragover");
    });
    form.addEventListener("dragover", function (event) {
      if (!carriesFiles(event)) {
        return;
      }
      event.preventDefault(); // allows the drop
      event.dataTransfer.dropEffect = "copy";
    });
    form.addEventListener("dragleave", function () {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        form.classList.remove("is-dragover");
      }
    });
    form.addEventListener("drop", function (event) {
      if (!carriesFiles(event)) {
        return;
      }
      event.preventDefault();
      depth = 0;
      form.classList.remove("is-dragover");
      if (!event.dataTransfer.files.length) {
        return;
      }
      input.files = event.dataTransfer.files;
      form.classList.add("is-sending");
      form.setAttribute("aria-busy", "true");
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    });
  });

  // A file dropped just beside the zone would make the browser leave the ticket page to show it.
  function outsideZone(event) {
    return carriesFiles(event) && !(event.target.closest && event.target.closest("form[data-dropzone]"));
  }
  window.addEventListener("dragover", function (event) {
    if (outsideZone(event)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    }
  });
  window.addEventListener("drop", function (event) {
    if (outsideZone(event)) {
      event.preventDefault();
    }
  });
})();
