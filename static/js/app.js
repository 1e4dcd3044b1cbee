// 企情在线 — behaviour shared by every page. No inline scripts (Content-Security-Policy):
// pages opt in through data-* attributes.
(function () {
  "use strict";
  // <select data-autosubmit>: submit the form when the choice changes (language switch, filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  // <form data-confirm="...">: ask before a consequential POST.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // <button data-print>: print the page (rankings, reports).
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-print]");
    if (el) { event.preventDefault(); window.print(); }
  });
})();
