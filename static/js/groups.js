/* Groups pages: the meetup form (problem rows; a problem's enterprise is one of the attendees)
   and the "call the commissioner for this type" box beside the request form. No dependencies. */
(function () {
  "use strict";

  function renumber(form) {
    var rows = form.querySelectorAll("[data-problem-rows] [data-problem-row]");
    rows.forEach(function (row, index) {
      row.querySelectorAll("[name],[id],[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/problems-(\d+|__prefix__)-/, "problems-" + index + "-")); }
        });
      });
      var number = row.querySelector("[data-problem-number]");
      if (number) { number.textContent = String(index + 1); }
    });
    form.querySelector('input[name="problems-TOTAL_FORMS"]').value = String(rows.length);
  }

  // A problem's enterprise is one of the attendees: each row's options are copied from the
  // 参会企业 box (the server renders only a row's current choice, and checks it on submit).
  function syncProblemEnterprises(form) {
    var box = form.querySelector("[data-meetup-enterprises]");
    if (!box) { return; }
    var chosen = Array.prototype.filter.call(box.options, function (option) { return option.selected; });
    form.querySelectorAll("[data-problem-rows] select[data-attendee-select]").forEach(function (select) {
      var current = select.value;
      var empty = select.querySelector('option[value=""]');
      while (select.options.length) { select.remove(0); }
      if (empty) { select.add(empty); }
      chosen.forEach(function (attendee) {
        var option = new Option(attendee.text, attendee.value);
        option.selected = attendee.value === current;
        select.add(option);
      });
    });
  }

  function initMeetup(form) {
    var template = document.getElementById("problem-template");
    form.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("[data-add-problem]")) {
        event.preventDefault();
        var max = parseInt(form.querySelector('input[name="problems-MAX_NUM_FORMS"]').value, 10) || 30;
        var container = form.querySelector("[data-problem-rows]");
        if (container.querySelectorAll("[data-problem-row]").length >= max) { return; }
        container.appendChild(template.content.cloneNode(true));
        renumber(form);
        syncProblemEnterprises(form);
      } else if (target.closest("[data-remove-problem]")) {
        target.closest("[data-problem-row]").remove();
        renumber(form);
      }
    });
    var select = form.querySelector("[data-meetup-enterprises]");
    if (select) { select.addEventListener("change", function () { syncProblemEnterprises(form); }); }
    syncProblemEnterprises(form);
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitting")) { event.preventDefault(); return; }
      form.setAttribute("data-submitting", "1");
      setTimeout(function () { form.removeAttribute("data-submitting"); }, 8000);
    });
  }

  // The commissioner box: category id → service types comes from the page (one JSON script).
  function initCommissionerBox(box) {
    var mapping = JSON.parse(document.getElementById("qq-category-service-types").textContent);
    var form = box.closest("[data-commissioner-scope]") || document;
    var category = form.querySelector('select[name="category"]');
    var hint = box.querySelector("[data-commissioner-hint]");
    var none = box.querySelector("[data-commissioner-none]");
    function update() {
      var types = (category && mapping[category.value]) || [];
      var shown = 0;
      box.querySelectorAll("[data-commissioner-type]").forEach(function (item) {
        var match = types.indexOf(item.getAttribute("data-commissioner-type")) >= 0;
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      if (hint) { hint.hidden = types.length > 0; }
      if (none) { none.hidden = !(types.length > 0 && shown === 0); }
    }
    if (category) { category.addEventListener("change", update); }
    update();
  }

  document.querySelectorAll("[data-meetup-form]").forEach(initMeetup);
  document.querySelectorAll("[data-commissioner-box]").forEach(initCommissionerBox);
})();
