// 企情在线 — request pages. Progressive enhancement only: every rule is enforced by the server.
(function () {
  "use strict";

  // Assign form: the lead unit cannot also be an assisting unit, so grey it out there.
  function syncAssistUnits(form) {
    // The lead unit cannot also assist: its checkbox is disabled and cleared.
    var lead = form.querySelector("select[name=lead_unit]");
    var boxes = form.querySelectorAll("input[name=assist_units]");
    if (!lead || !boxes.length) { return; }
    Array.prototype.forEach.call(boxes, function (box) {
      var isLead = box.value !== "" && box.value === lead.value;
      box.disabled = isLead;
      if (isLead) { box.checked = false; }
    });
  }

  // Rating form: a comment is needed when the enterprise is not satisfied. The page says so next
  // to the box; the server checks it and explains in Chinese (no browser-native "required").
  function syncRatingComment(form) {
    var comment = form.querySelector("textarea[name=comment]");
    var chosen = form.querySelector("input[name=satisfaction]:checked");
    if (!comment) { return; }
    var needed = !!chosen && chosen.value === "unsatisfied";
    comment.setAttribute("aria-required", needed ? "true" : "false");
    var help = form.querySelector("#" + comment.id + "_helptext");
    if (help) { help.classList.toggle("text-danger", needed); help.classList.toggle("fw-semibold", needed); }
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form) { return; }
    if (event.target.name === "lead_unit") { syncAssistUnits(form); }
    if (event.target.name === "satisfaction") { syncRatingComment(form); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      syncAssistUnits(form);
      syncRatingComment(form);
    });
    // After a refused submission the open panel may be far down on a phone: bring it into view.
    var invalid = document.querySelector(".accordion-collapse.show .is-invalid, .accordion-collapse.show .alert-danger");
    if (invalid) { invalid.scrollIntoView({ block: "center" }); }
  });
})();
