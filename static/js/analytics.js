// 企情在线 — the dashboards (统计分析). No inline scripts (CSP): behaviour hangs on data-* hooks.
// Loaded before static/js/charts.js so that phone layouts are applied before the charts draw.
(function () {
  "use strict";

  var PHONE = "(max-width: 575.98px)";

  // Set a dotted path ("xaxis.nticks") inside an object, creating the branches on the way.
  function setPath(target, path, value) {
    var keys = path.split(".");
    var node = target;
    for (var i = 0; i < keys.length - 1; i++) {
      if (typeof node[keys[i]] !== "object" || node[keys[i]] === null) { node[keys[i]] = {}; }
      node = node[keys[i]];
    }
    node[keys[keys.length - 1]] = value;
  }

  // Charts carry their phone variant in layout.meta.phone = {layout: {path: value}, traces: {attr: value}}
  // (fewer ticks, taller plots, no text inside heat-map cells); rewrite the JSON before drawing.
  function phoneLayouts() {
    if (!window.matchMedia || !window.matchMedia(PHONE).matches) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var layout = spec.layout || {};
      var phone = layout.meta && layout.meta.phone;
      // Every chart on a phone: small legend below, tight margins.
      setPath(layout, "legend.font.size", 10);
      setPath(layout, "margin.r", 8);
      if (phone) {
        Object.keys(phone.layout || {}).forEach(function (path) { setPath(layout, path, phone.layout[path]); });
        (spec.data || []).forEach(function (trace) {
          Object.keys(phone.traces || {}).forEach(function (attr) { trace[attr] = phone.traces[attr]; });
        });
      }
      spec.layout = layout;
      source.textContent = JSON.stringify(spec);
    });
  }

  // The start/end dates of a filter form only matter for 自定义 (custom): show them then.
  function customPeriod() {
    document.querySelectorAll("form select[name=period]").forEach(function (select) {
      var form = select.form;
      function sync() {
        ["start", "end"].forEach(function (name) {
          var input = form.querySelector("[name=" + name + "]");
          if (!input) { return; }
          var box = input.closest("[class*=col-]") || input.parentNode;
          var custom = select.value === "custom";
          box.hidden = !custom;
          input.disabled = !custom; // not sent, so the URL stays short
        });
      }
      select.addEventListener("change", sync);
      sync();
    });
  }

  function init() {
    phoneLayouts();
    customPeriod();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
