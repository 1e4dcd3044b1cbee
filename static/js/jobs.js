// Progress page of a background job (templates/jobs/job.html): poll its status until it is done
// or failed, then reload so the page shows the result, the download or the error.
(function () {
  "use strict";
  function pollJob() {
    var box = document.querySelector("[data-job-poll]");
    if (!box) { return; }
    var url = box.getAttribute("data-job-poll");
    var bar = box.querySelector("[data-job-bar]");
    var message = box.querySelector("[data-job-message]");
    var status = box.querySelector("[data-job-status]");
    function show(job) {
      bar.style.width = job.percent + "%";
      bar.parentNode.setAttribute("aria-valuenow", job.percent);
      bar.textContent = job.percent + "%";
      if (message) { message.textContent = job.message || ""; }
      if (status) { status.textContent = job.status_label; }
      if (job.finished) {
        window.location.reload();
        return true;
      }
      return false;
    }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (job) { if (!show(job)) { window.setTimeout(tick, 1200); } })
        .catch(function () { window.setTimeout(tick, 4000); });
    }
    window.setTimeout(tick, 600);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", pollJob); } else { pollJob(); }
})();
