// The satisfaction reports' charts: CSAT average and share of 4–5 by month; NPS promoters,
// passives and detractors stacked by month with the score as a line. Loaded after echarts.
(function () {
  "use strict";

  function csat(data) {
    var d = data.csat;
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 10, right: 20, top: 40, containLabel: true },
      xAxis: { type: "category", data: d.months },
      yAxis: [
        { type: "value", min: 1, max: 5, name: d.names.average },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
      ],
      series: [
        { name: d.names.average, type: "line", data: d.average },
        { name: d.names.satisfied, type: "bar", yAxisIndex: 1, data: d.satisfied, barMaxWidth: 32 }
      ]
    };
  }

  function nps(data) {
    var d = data.nps;
    function stacked(key, color) {
      return { name: d.names[key], type: "bar", stack: "answers", data: d[key], itemStyle: { color: color }, barMaxWidth: 32 };
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 10, right: 20, top: 40, containLabel: true },
      xAxis: { type: "category", data: d.months },
      yAxis: [{ type: "value" }, { type: "value", min: -100, max: 100 }],
      series: [
        stacked("detractors", "#dc2626"),
        stacked("passives", "#9ca3af"),
        stacked("promoters", "#16a34a"),
        { name: d.names.score, type: "line", yAxisIndex: 1, data: d.score, connectNulls: true }
      ]
    };
  }

  var builders = { csat: csat, nps: nps };

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-survey-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart-data"));
      var build = builders[el.getAttribute("data-survey-chart")];
      if (!source || !build) { return; }
      var chart = window.echarts.init(el);
      chart.setOption(build(JSON.parse(source.textContent)));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
