// The charts of the dashboards: each <div data-chart="kind" data-chart-data="id"> is drawn with
// ECharts from the json_script element of that id. Loaded after echarts.min.js (both deferred).
(function () {
  "use strict";

  var options = {
    funnel: function (data) {
      return {
        tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", label: { position: "inside" }, data: data }]
      };
    },
    forecast: function (data) {
      var keys = ["weighted", "committed", "best_case", "won"];
      var series = keys.map(function (key) {
        return { name: data.names[key], type: "bar", data: data.series[key].map(Number) };
      });
      series.push({ name: data.names.quota, type: "line", data: data.series.quota.map(Number), symbolSize: 10 });
      return {
        tooltip: { trigger: "axis" },
        legend: {},
        grid: { left: 80, right: 20 },
        xAxis: { type: "category", data: data.quarters },
        yAxis: { type: "value" },
        series: series
      };
    },
    lostReasons: function (data) {
      if (!data.length) { return null; }
      return { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "70%"], data: data }] };
    },
    health: function (data) {
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
        legend: {},
        grid: { left: 50, right: 20 },
        xAxis: { type: "category", data: data.dates },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: data.series.map(function (s) {
          return { name: s.name, type: "line", connectNulls: true, data: s.data.map(function (v) { return v == null ? null : Number(v); }) };
        })
      };
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = options[el.getAttribute("data-chart")];
      var source = document.getElementById(el.getAttribute("data-chart-data"));
      if (!build || !source) { return; }
      var option = build(JSON.parse(source.textContent));
      if (!option) { return; }
      var chart = window.echarts.init(el);
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
