// Small behaviour for every page; pages work without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    // Buttons that ask before they act: <button data-confirm="…">.
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
    // After a refused save the page opens at the summary of what is wrong; its links take
    // the cursor to the first marked field of the row they name.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.scrollIntoView({ block: "start" });
      summary.focus({ preventScroll: true });
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        var target = link && document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        var invalid = target.querySelector("[aria-invalid=true]") ||
          target.querySelector("input, textarea, select");
        if (invalid) {
          event.preventDefault();
          target.scrollIntoView({ block: "center" });
          invalid.focus({ preventScroll: true });
        }
      });
    }
    // On a phone the navigation folds behind one button (the stylesheet hides it below 600 px).
    document.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        var open = button.closest(".topbar").classList.toggle("nav-open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });
    // <button data-copy="id"> copies the text of that field (the calendar feed's address);
    // plain http on an intranet has no Clipboard API, so fall back to selecting and copying.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy"));
        var done = button.parentNode.querySelector("[data-copied]");
        function shown() { if (done) done.hidden = false; }
        input.focus();
        input.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(shown, function () {
            if (document.execCommand("copy")) shown();
          });
        } else if (document.execCommand("copy")) {
          shown();
        }
      });
    });
    // <button data-print> prints the page (the print stylesheet hides the navigation).
    document.querySelectorAll("[data-print]").forEach(function (el) {
      el.addEventListener("click", function () { window.print(); });
    });
    // <a data-reload> reloads the page (after a conflict).
    document.querySelectorAll("[data-reload]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        event.preventDefault();
        window.location.reload();
      });
    });
  });
})();
