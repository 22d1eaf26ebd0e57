// The lifetime value model page's check (rapport.analytics.lifetime): purchases per customer in
// the holdout, expected by the model and actual, by repeat purchases before it (0…7+), as in
// Fader, Hardie and Lee (2005). Data from the json_script the element names; no inline script.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-lifetime-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-lifetime-chart"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v.toFixed(2); } },
        legend: { top: 0 },
        grid: { left: 10, right: 20, top: 40, bottom: 30, containLabel: true },
        xAxis: { type: "category", data: data.labels, name: data.names.x, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "value", name: data.names.y, nameTextStyle: { align: "left" } },
        series: [
          { name: data.names.actual, type: "line", data: data.actual, itemStyle: { color: "#1d4ed8" } },
          { name: data.names.expected, type: "line", data: data.expected, lineStyle: { type: "dashed" }, itemStyle: { color: "#dc2626" } }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
