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
  // [data-qq-checklist] (qiqing.widgets.SearchableCheckboxes): typing in the search box hides
  // the choices whose name does not contain the text; checked ones always stay in sight.
  function syncChecklist(list) {
    var search = list.querySelector("[data-qq-checklist-search]");
    var query = search ? search.value.trim().toLowerCase() : "";
    var shown = 0;
    var checked = 0;
    Array.prototype.forEach.call(list.querySelectorAll("[data-qq-checklist-item]"), function (item) {
      var box = item.querySelector("input");
      var hit = !query || item.textContent.toLowerCase().indexOf(query) !== -1;
      item.hidden = !(hit || box.checked);
      if (hit) { shown += 1; }
      if (box.checked) { checked += 1; }
    });
    var none = list.querySelector("[data-qq-checklist-none]");
    if (none) { none.hidden = shown > 0; }
    var count = list.querySelector("[data-qq-checklist-count]");
    if (count) { count.textContent = String(checked); }
  }
  document.addEventListener("input", function (event) {
    var list = event.target.closest && event.target.closest("[data-qq-checklist]");
    if (list) { syncChecklist(list); }
  });
  document.addEventListener("change", function (event) {
    var list = event.target.closest && event.target.closest("[data-qq-checklist]");
    if (list) { syncChecklist(list); }
  });
  document.addEventListener("keydown", function (event) {
    // Enter in the search box filters; it must not submit the form.
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-qq-checklist-search]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-qq-checklist]"), syncChecklist);
  });
})();
