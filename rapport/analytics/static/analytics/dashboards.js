// The dashboards' charts (rapport.analytics.dashboards): each
// <div data-dashboard-chart="builder" data-chart-data="id"> is drawn with ECharts from the
// json_script element of that id. A point that carries a `url` opens the records behind it.
// Loaded after echarts.min.js (both deferred); no inline script, for the CSP.
(function () {
  "use strict";

  function plain(v) { return v == null ? "—" : String(v); }
  function value(point) { return point != null && typeof point === "object" ? point.value : point; }
  var grid = { left: 10, right: 20, top: 40, bottom: 10, containLabel: true };

  var builders = {
    // [{name, value, url}]: one bar each, the name on the axis.
    bars: function (data) {
      return {
        tooltip: { trigger: "axis", valueFormatter: plain },
        grid: { left: 10, right: 20, top: 10, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: data.bars.map(function (b) { return b.name; }), axisLabel: { interval: 0, hideOverlap: true } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", barMaxWidth: 40, data: data.bars, cursor: "pointer" }]
      };
    },
    // Open tickets at each day's end (line) over the tickets opened and resolved that day (bars).
    backlog: function (data) {
      return {
        tooltip: { trigger: "axis", valueFormatter: plain },
        legend: { top: 0, type: "scroll" },
        grid: grid,
        xAxis: { type: "category", data: data.days, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: data.names.opened, type: "bar", data: data.opened, itemStyle: { color: "#93c5fd" }, barMaxWidth: 12 },
          { name: data.names.resolved, type: "bar", data: data.resolved, itemStyle: { color: "#86efac" }, barMaxWidth: 12 },
          { name: data.names.open, type: "line", data: data.open, showSymbol: false, lineStyle: { width: 2 }, itemStyle: { color: "#1d4ed8" } }
        ]
      };
    },
    // Median and 90th percentile of first response and resolution, in hours, by period.
    times: function (data) {
      var keys = ["first_median", "first_p90", "resolution_median", "resolution_p90"];
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + " " + data.names.hours; } },
        legend: { top: 0, type: "scroll" },
        grid: { left: 10, right: 20, top: 48, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: data.periods },
        yAxis: { type: "value", name: data.names.hours, nameTextStyle: { align: "left" } },
        series: keys.map(function (key) {
          var p90 = key.indexOf("p90") > 0;
          return {
            name: data.names[key], type: "line", connectNulls: true, data: data.series[key],
            lineStyle: { type: p90 ? "dashed" : "solid" }, cursor: "pointer"
          };
        })
      };
    },
    // Share of targets met in time (%), by month, one line per target kind.
    sla: function (data) {
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
        legend: { top: 0, type: "scroll" },
        grid: { left: 10, right: 20, top: 48, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: data.series.map(function (s) {
          return { name: s.name, type: "bar", barMaxWidth: 24, data: s.data, cursor: "pointer" };
        })
      };
    },
    // CSAT average (1–5, left axis) and NPS score (−100–100, right axis) by period.
    satisfaction: function (data) {
      return {
        tooltip: { trigger: "axis", valueFormatter: plain },
        legend: { top: 0, type: "scroll" },
        grid: { left: 10, right: 10, top: 48, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: data.periods },
        yAxis: [{ type: "value", min: 1, max: 5 }, { type: "value", min: -100, max: 100 }],
        series: [
          { name: data.names.csat, type: "bar", data: data.csat, barMaxWidth: 32, itemStyle: { color: "#60a5fa" }, cursor: "pointer" },
          { name: data.names.nps, type: "line", yAxisIndex: 1, data: data.nps, connectNulls: true, itemStyle: { color: "#16a34a" }, cursor: "pointer" }
        ]
      };
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-dashboard-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-dashboard-chart")];
      var source = document.getElementById(el.getAttribute("data-chart-data"));
      if (!build || !source) { return; }
      var chart = window.echarts.init(el);
      chart.setOption(build(JSON.parse(source.textContent)));
      chart.on("click", function (params) {
        var point = params.data;
        if (point && typeof point === "object" && point.url && value(point) != null) {
          window.location.assign(point.url);
        }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
