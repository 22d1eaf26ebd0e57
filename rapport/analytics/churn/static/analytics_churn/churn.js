// The churn model page's charts: calibration (observed against predicted risk, with the
// diagonal) and feature importance (horizontal bars). Each <div data-churn-chart="key"> draws
// chart[key] from the json_script element named by data-chart-data. Loaded after echarts.
(function () {
  "use strict";

  var builders = {
    calibration: function (d) {
      var points = d.predicted.map(function (p, i) { return [p, d.observed[i], d.counts[i]]; });
      return {
        tooltip: { trigger: "item", formatter: function (x) { return x.value ? x.value[0] + "% → " + x.value[1] + "% (" + x.value[2] + ")" : ""; } },
        legend: { top: 0 },
        grid: { left: 10, right: 20, top: 40, bottom: 30, containLabel: true },
        xAxis: { type: "value", min: 0, max: 100, name: d.names.predicted, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "value", min: 0, max: 100 },
        series: [
          { name: d.names.ideal, type: "line", data: [[0, 0], [100, 100]], showSymbol: false, lineStyle: { type: "dashed", color: "#94a3b8" }, tooltip: { show: false } },
          { name: d.names.observed, type: "line", data: points, symbolSize: 8, itemStyle: { color: "#1d4ed8" } }
        ]
      };
    },
    importance: function (d) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 10, right: 30, top: 10, bottom: 10, containLabel: true },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: d.names.slice().reverse(), axisLabel: { width: 160, overflow: "truncate" } },
        series: [{ type: "bar", data: d.values.slice().reverse(), barMaxWidth: 20 }]
      };
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-churn-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart-data"));
      if (!source) { return; }
      var key = el.getAttribute("data-churn-chart");
      var data = JSON.parse(source.textContent)[key];
      if (!data) { return; }
      var chart = window.echarts.init(el);
      chart.setOption(builders[key](data));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
