// 企情在线 — admin tools for cadre–enterprise pairs and ledger imports (no inline scripts: CSP).
(function () {
  "use strict";

  // --- The 2–10 rule, live -----------------------------------------------------------------
  // <input type=checkbox data-qq-tick="G"> boxes change every badge <span data-qq-count="G"
  // data-base="N" data-step="1|-1">: count = base + step × ticked. A form marked
  // data-qq-limit-form cannot be submitted while a badge of one of its groups is over the maximum.
  function ticked(group) {
    return document.querySelectorAll('input[data-qq-tick="' + group + '"]:checked').length;
  }

  function paint(badge) {
    var base = parseInt(badge.getAttribute("data-base"), 10) || 0;
    var step = parseInt(badge.getAttribute("data-step"), 10) || 1;
    var max = parseInt(badge.getAttribute("data-max"), 10);
    var min = parseInt(badge.getAttribute("data-min"), 10);
    var count = base + step * ticked(badge.getAttribute("data-qq-count"));
    var state = count > max ? "over" : count < min ? "under" : "ok";
    badge.querySelector("[data-qq-count-value]").textContent = count;
    badge.querySelector("[data-qq-count-label]").textContent = badge.getAttribute("data-label-" + state);
    badge.classList.remove("text-bg-secondary", "text-bg-success", "text-bg-warning", "text-bg-danger");
    badge.classList.add(state === "over" ? "text-bg-danger" : state === "under" ? "text-bg-warning" : "text-bg-success");
    badge.setAttribute("data-state", state);
    return state;
  }

  function groupsOf(form) {
    var groups = {};
    form.querySelectorAll("input[data-qq-tick]").forEach(function (box) {
      groups[box.getAttribute("data-qq-tick")] = true;
    });
    return Object.keys(groups);
  }

  function refresh() {
    var over = {};
    document.querySelectorAll("[data-qq-count]").forEach(function (badge) {
      if (paint(badge) === "over") { over[badge.getAttribute("data-qq-count")] = true; }
    });
    // <strong data-qq-selected="G">: how many boxes of group G are ticked.
    document.querySelectorAll("[data-qq-selected]").forEach(function (counter) {
      counter.textContent = ticked(counter.getAttribute("data-qq-selected"));
    });
    document.querySelectorAll("form[data-qq-limit-form]").forEach(function (form) {
      var groups = groupsOf(form);
      var blocked = groups.some(function (group) { return over[group]; });
      // data-qq-need-tick: nothing to add until something is ticked (the server says so too).
      var none = form.hasAttribute("data-qq-need-tick") && groups.every(function (group) { return !ticked(group); });
      form.querySelectorAll('button[type="submit"]').forEach(function (button) { button.disabled = blocked || none; });
      var message = form.querySelector("[data-qq-over-message]");
      if (message) { message.classList.toggle("d-none", !blocked); }
    });
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("input[data-qq-tick-all]")) {
      var form = el.closest("form");
      if (form) {
        form.querySelectorAll("input[data-qq-tick]").forEach(function (box) { box.checked = el.checked; });
      }
      refresh();
    } else if (el.matches("input[data-qq-tick]")) {
      refresh();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    refresh();
  });
})();
