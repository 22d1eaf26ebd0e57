// The complaint report's charts: complaints by root cause, product and team as horizontal bars.
// Each <div data-complaint-chart="key"> draws chart[key] ({names, counts}) from the json_script
// element named by data-chart-data. Loaded after echarts (both deferred).
(function () {
  "use strict";

  function bars(d) {
    var names = d.names.slice().reverse();
    var counts = d.counts.slice().reverse();
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 10, right: 30, top: 10, bottom: 10, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, axisLabel: { width: 140, overflow: "truncate" } },
      series: [{ type: "bar", data: counts, barMaxWidth: 24, label: { show: true, position: "right" } }]
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-complaint-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart-data"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent)[el.getAttribute("data-complaint-chart")];
      if (!data || !data.names.length) { return; }
      var chart = window.echarts.init(el);
      chart.setOption(bars(data));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
