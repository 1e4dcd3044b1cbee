// 企情在线 — visit form behaviour (走访登记 / 更正): search suggestions, participant chips,
// "add another problem" rows and a submit button that cannot be tapped twice.
// No inline scripts (CSP): everything hangs off data-* attributes in the templates.
(function () {
  "use strict";

  function lookupUrl(form) {
    return form.getAttribute("data-lookup-url");
  }

  // --- search suggestions: <input data-lookup="enterprise|cadre" list="…"> ---------------
  function fillOptions(input, results) {
    var list = input.list;
    if (!list) { return; }
    list.innerHTML = "";
    results.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.value;
      if (item.cadre) { option.setAttribute("data-cadre", item.cadre); }
      if (item.id) { option.setAttribute("data-id", item.id); }
      if (item.name) { option.setAttribute("data-name", item.name); }
      list.appendChild(option);
    });
  }

  function chosenOption(input) {
    var list = input.list;
    if (!list) { return null; }
    for (var i = 0; i < list.options.length; i++) {
      if (list.options[i].value === input.value) { return list.options[i]; }
    }
    return null;
  }

  function wireLookup(form, input, onChoose) {
    var timer = null;
    var lastTerm = null;
    input.addEventListener("input", function () {
      var option = chosenOption(input);
      if (option) { onChoose(option); return; }
      var term = input.value.trim();
      clearTimeout(timer);
      if (!term || term === lastTerm) { return; }
      timer = setTimeout(function () {
        lastTerm = term;
        var url = lookupUrl(form) + "?kind=" + encodeURIComponent(input.getAttribute("data-lookup")) +
          "&q=" + encodeURIComponent(term);
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { if (input.value.trim() === term) { fillOptions(input, data.results); } })
          .catch(function () { /* offline or logged out: the field still accepts typed text */ });
      }, 200);
    });
  }

  // --- participant chips ---------------------------------------------------------------
  function addChip(picker, id, name) {
    var fieldName = picker.getAttribute("data-name");
    var chips = picker.querySelector("[data-chips]");
    if (chips.querySelector('input[value="' + id + '"]')) { return; }
    var chip = document.createElement("span");
    chip.className = "badge rounded-pill text-bg-secondary d-inline-flex align-items-center py-2";
    chip.setAttribute("data-chip", "");
    chip.appendChild(document.createTextNode(name));
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = fieldName;
    hidden.value = id;
    chip.appendChild(hidden);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close btn-close-white ms-2";
    remove.setAttribute("aria-label", picker.getAttribute("data-remove-label") || "移除");
    remove.setAttribute("data-remove-chip", "");
    chip.appendChild(remove);
    chips.appendChild(chip);
  }

  // --- problem rows (a Django formset with prefix "problems") --------------------------
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
    var empty = form.querySelector("[data-problem-empty]");
    if (empty) { empty.hidden = rows.length > 0; }
  }

  function addProblem(form) {
    var template = document.getElementById("problem-template");
    var max = parseInt(form.querySelector('input[name="problems-MAX_NUM_FORMS"]').value, 10) || 20;
    var container = form.querySelector("[data-problem-rows]");
    if (container.querySelectorAll("[data-problem-row]").length >= max) { return; }
    container.appendChild(template.content.cloneNode(true));
    renumber(form);
    var rows = container.querySelectorAll("[data-problem-row]");
    var select = rows[rows.length - 1].querySelector("select");
    if (select) { select.focus(); }
  }

  function init(form) {
    var cadreInput = form.querySelector('input[data-lookup="cadre"]:not([data-picker-input])');
    var enterpriseInput = form.querySelector('input[data-lookup="enterprise"]');
    if (enterpriseInput) {
      wireLookup(form, enterpriseInput, function (option) {
        // Fill in the enterprise's lead liaison cadre unless someone typed their own choice.
        var lead = option.getAttribute("data-cadre");
        if (cadreInput && lead && (!cadreInput.value || cadreInput.getAttribute("data-autofilled"))) {
          cadreInput.value = lead;
          cadreInput.setAttribute("data-autofilled", "1");
        }
      });
    }
    if (cadreInput) {
      cadreInput.addEventListener("input", function () { cadreInput.removeAttribute("data-autofilled"); });
      wireLookup(form, cadreInput, function () {});
    }
    form.querySelectorAll("[data-picker]").forEach(function (picker) {
      var input = picker.querySelector("[data-picker-input]");
      wireLookup(form, input, function (option) {
        addChip(picker, option.getAttribute("data-id"), option.getAttribute("data-name"));
        input.value = "";
      });
    });
    form.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("[data-remove-chip]")) {
        target.closest("[data-chip]").remove();
      } else if (target.closest("[data-add-problem]")) {
        event.preventDefault();
        addProblem(form);
      } else if (target.closest("[data-remove-problem]")) {
        target.closest("[data-problem-row]").remove();
        renumber(form);
      }
    });
    // A second tap on a slow connection must not post the visit twice.
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-submitting")) { event.preventDefault(); return; }
      form.setAttribute("data-submitting", "1");
      setTimeout(function () { form.removeAttribute("data-submitting"); }, 8000);
    });
  }

  document.querySelectorAll("form[data-visit-form]").forEach(init);
})();
