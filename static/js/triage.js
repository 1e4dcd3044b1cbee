// The triage desk (受理分办): tick all on the page, count the ticked rows, confirm a merge.
(function () {
  "use strict";
  var form = document.getElementById("qq-triage-form");
  if (!form) { return; }
  var all = document.getElementById("qq-tick-all");
  var counter = document.getElementById("qq-ticked");
  function ticks() { return form.querySelectorAll("input.qq-tick"); }
  function recount() {
    var n = 0;
    ticks().forEach(function (box) { if (box.checked) { n += 1; } });
    if (counter) { counter.textContent = String(n); }
  }
  if (all) {
    all.addEventListener("change", function () {
      ticks().forEach(function (box) { box.checked = all.checked; });
      recount();
    });
  }
  form.addEventListener("change", recount);
  var merge = document.getElementById("qq-merge");
  if (merge) {
    merge.addEventListener("click", function (event) {
      var question = merge.getAttribute("data-qq-confirm");
      if (question && !window.confirm(question)) { event.preventDefault(); }
    });
  }
  recount();
})();
