// The KPI and cohort pages' charts: each <div data-kpi-chart="builder" data-chart-data="id">
// is drawn with ECharts from the json_script element of that id; series names come from the
// element's data-name attributes (translated by the template). No inline script, for the CSP.
(function () {
  "use strict";

  function plain(v) { return v == null ? "—" : String(v); }
  var grid = { left: 8, right: 12, top: 12, bottom: 8, containLabel: true };

  var builders = {
    // {periods, values}: one line, a unit after each value ("%" or nothing).
    trend: function (data, el) {
      var unit = el.getAttribute("data-unit") || "";
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + unit; } },
        grid: grid,
        xAxis: { type: "category", data: data.periods, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", axisLabel: { formatter: "{value}" + unit } },
        series: [{ name: el.getAttribute("data-name"), type: "line", data: data.values, connectNulls: true, symbolSize: 5 }]
      };
    },
    // {periods, series: [{name: currency, values}]}: one line per currency.
    currencies: function (data) {
      return {
        tooltip: { trigger: "axis", valueFormatter: plain },
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.periods, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value" },
        series: data.series.map(function (s) {
          return { name: s.name, type: "line", data: s.values, connectNulls: true, symbolSize: 5 };
        })
      };
    },
    // {periods, new, repeat}: stacked bars.
    stack: function (data, el) {
      return {
        tooltip: { trigger: "axis", valueFormatter: plain },
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 12, top: 28, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.periods, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: el.getAttribute("data-name-new"), type: "bar", stack: "customers", data: data.new, itemStyle: { color: "#60a5fa" }, barMaxWidth: 32 },
          { name: el.getAttribute("data-name-repeat"), type: "bar", stack: "customers", data: data.repeat, itemStyle: { color: "#16a34a" }, barMaxWidth: 32 }
        ]
      };
    },
    // [{name, value}]: one bar each.
    bars: function (data) {
      return {
        tooltip: { trigger: "axis", valueFormatter: plain },
        grid: grid,
        xAxis: { type: "category", data: data.map(function (r) { return r.name; }), axisLabel: { interval: 0, hideOverlap: true } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: data.map(function (r) { return r.value; }), barMaxWidth: 32 }]
      };
    },
    // {months, offsets, points: [[offset, row, share]]}: the cohorts' heat map, first month on top.
    heatmap: function (data, el) {
      return {
        tooltip: {
          formatter: function (p) {
            return data.months[p.value[1]] + " " + data.offsets[p.value[0]] + ": " + p.value[2] + "%";
          }
        },
        grid: { left: 8, right: 12, top: 8, bottom: 56, containLabel: true },
        xAxis: { type: "category", data: data.offsets, splitArea: { show: true } },
        yAxis: { type: "category", data: data.months, inverse: true, splitArea: { show: true } },
        visualMap: { min: 0, max: 100, calculable: true, orient: "horizontal", left: "center", bottom: 0,
          inRange: { color: ["#f8fafc", "#93c5fd", "#1d4ed8"] } },
        series: [{ name: el.getAttribute("data-name"), type: "heatmap", data: data.points,
          label: { show: true, formatter: function (p) { return p.value[2] + "%"; } } }]
      };
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-kpi-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-kpi-chart")];
      var source = document.getElementById(el.getAttribute("data-chart-data"));
      if (!build || !source) { return; }
      var chart = window.echarts.init(el);
      chart.setOption(build(JSON.parse(source.textContent), el));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
