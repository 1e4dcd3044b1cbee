// Draw every <div data-chart="ID"> from the JSON in <script id="ID" type="application/json">.
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source || el.getAttribute("data-drawn")) { return; }
      var spec = JSON.parse(source.textContent);
      var layout = spec.layout || {};
      // plotly's default template is one static file for every chart (static/js/plotly-template.js).
      if (!layout.template && window.QQ_PLOTLY_TEMPLATE) {
        layout.template = JSON.parse(JSON.stringify(window.QQ_PLOTLY_TEMPLATE));
      }
      Plotly.newPlot(el, spec.data || [], layout, {
        displaylogo: false, responsive: true, displayModeBar: false
      }).then(function () { el.setAttribute("data-drawn", "1"); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
