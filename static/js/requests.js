// 企情在线 — request pages. Progressive enhancement only: every rule is enforced by the server.
(function () {
  "use strict";

  // Assign form: the lead unit cannot also be an assisting unit, so grey it out there.
  function syncAssistUnits(form) {
    var lead = form.querySelector("select[name=lead_unit]");
    var assist = form.querySelector("select[name=assist_units]");
    if (!lead || !assist) { return; }
    Array.prototype.forEach.call(assist.options, function (option) {
      var isLead = option.value !== "" && option.value === lead.value;
      option.disabled = isLead;
      if (isLead) { option.selected = false; }
    });
  }

  // Rating form: a comment is required when the enterprise is not satisfied.
  function syncRatingComment(form) {
    var comment = form.querySelector("textarea[name=comment]");
    var chosen = form.querySelector("input[name=satisfaction]:checked");
    if (!comment) { return; }
    comment.required = !!chosen && chosen.value === "unsatisfied";
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
