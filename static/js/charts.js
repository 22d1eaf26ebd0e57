// The charts of the dashboards: each <div data-chart="kind" data-chart-data="id"> is drawn with
// ECharts from the json_script element of that id. Loaded after echarts.min.js (both deferred).
(function () {
  "use strict";

  // Amounts as the server prints them (rapport.core.formats): two decimals, comma-grouped in
  // both languages. A fixed locale, not the browser's, so a German browser does not show 1.234,00.
  var moneyFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function money(v) { return v == null || v === "" ? "—" : moneyFormat.format(Number(v)); }
  function count(v) { return v == null ? "—" : String(v); }

  var options = {
    funnel: function (data) {
      return {
        tooltip: { trigger: "item", valueFormatter: count },
        series: [{
          type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "20%", data: data,
          label: { position: "inside", formatter: "{b}: {c}", overflow: "truncate", width: 180 },
          emphasis: { label: { overflow: "none" } }
        }]
      };
    },
    forecast: function (data) {
      var keys = ["weighted", "committed", "best_case", "won"];
      var series = keys.map(function (key) {
        return { name: data.names[key], type: "bar", data: data.series[key].map(Number) };
      });
      series.push({ name: data.names.quota, type: "line", data: data.series.quota.map(Number), symbolSize: 10 });
      return {
        tooltip: { trigger: "axis", valueFormatter: money },
        legend: { type: "scroll", top: 0 },
        grid: { left: 10, right: 20, top: 64, containLabel: true },
        xAxis: { type: "category", data: data.quarters },
        // The reporting currency of the converted amounts, and any currency left out.
        yAxis: { type: "value", name: data.axis || "", nameTextStyle: { align: "left" } },
        series: series
      };
    },
    lostReasons: function (data) {
      if (!data.length) { return null; }
      // Reason names can be long: each slice is labelled with its name and share, placed at the
      // card's edges and wrapped to the room left beside the donut (never cut to "预…").
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        series: [{
          type: "pie", radius: ["30%", "55%"], avoidLabelOverlap: true, data: data,
          label: { formatter: "{b}\n{d}%", alignTo: "edge", edgeDistance: 8, overflow: "break", lineHeight: 15 },
          labelLine: { length: 10, length2: 0, maxSurfaceAngle: 80 },
          labelLayout: { hideOverlap: false }
        }]
      };
    },
    health: function (data) {
      return {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
        legend: { type: "scroll", top: 0 },
        grid: { left: 10, right: 20, top: 40, containLabel: true },
        xAxis: { type: "category", data: data.dates, axisLabel: { hideOverlap: true } },
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
