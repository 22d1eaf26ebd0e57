// The SLA report's chart: compliance (%) per month, one line per target (first response, next
// response, resolution). Draws the json_script element named by data-sla-chart:
// {months: ["2026-11", ...], series: [{name, data: [percent or null, ...]}, ...]}.
// Loaded after echarts (both deferred).
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-sla-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-sla-chart"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      if (!data.months.length) { return; }
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
        legend: { top: 0 },
        grid: { left: 10, right: 20, top: 36, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: data.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, connectNulls: true, symbolSize: 6 };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
