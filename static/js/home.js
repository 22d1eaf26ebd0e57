// The home page's own charts: each <div data-home-chart="kind" data-chart-data="id"> is drawn
// with ECharts from the json_script element of that id. The forecast chart is the Forecast
// page's, drawn by charts.js (data-chart="forecast"). Loaded after echarts.min.js (deferred).
(function () {
  "use strict";

  // A horizontal bar chart is as tall as its rows need (a team of 3 or 15), within bounds.
  var heights = {
    activity: function (data) { return Math.min(420, Math.max(120, 40 + 30 * data.labels.length)); }
  };

  var options = {
    // Open deals per stage: the amount in the base currency (bars) and the number of deals.
    stages: function (data, el) {
      var tilt = data.labels.length > 4 || el.clientWidth < 520;
      return {
        tooltip: { trigger: "axis" },
        legend: {},
        grid: { left: 10, right: 10, bottom: 10, containLabel: true },
        xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: tilt ? 30 : 0 } },
        yAxis: [{ type: "value" }, { type: "value", minInterval: 1, splitLine: { show: false } }],
        series: [
          { name: data.names.amount, type: "bar", data: data.amounts.map(Number), barMaxWidth: 48 },
          { name: data.names.count, type: "line", yAxisIndex: 1, data: data.counts, symbolSize: 8 }
        ]
      };
    },
    // Interactions logged per person, most active at the top.
    activity: function (data) {
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 10, right: 30, top: 10, bottom: 20, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.labels },
        series: [{ name: data.name, type: "bar", data: data.counts, barMaxWidth: 18, label: { show: true, position: "right" } }]
      };
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-home-chart]").forEach(function (el) {
      var build = options[el.getAttribute("data-home-chart")];
      var source = document.getElementById(el.getAttribute("data-chart-data"));
      if (!build || !source) { return; }
      var data = JSON.parse(source.textContent);
      var kind = el.getAttribute("data-home-chart");
      if (heights[kind]) { el.style.height = heights[kind](data) + "px"; }
      var chart = window.echarts.init(el);
      chart.setOption(build(data, el));
      if (data.links) {
        // A bar opens the list behind it, like the figures and the table rows.
        chart.on("click", function (params) {
          var link = data.links[params.dataIndex];
          if (link) { window.location.assign(link); }
        });
      }
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
