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
