// The bulk action bar of a list (dataio/bulk/_bar.html): the header checkbox ticks every row of
// the page, "all matching" ticks them too and sends the list's filters instead of ids, and the
// bar counts what is selected. Without this script the rows can still be ticked one by one.
(function () {
  "use strict";

  function setUp(bar) {
    // The header's box, and the bar's own on phones, where the header is hidden.
    var pageBoxes = Array.prototype.slice.call(document.querySelectorAll("input[data-bulk-page]"));
    var matching = bar.querySelector("[data-bulk-matching]");
    var count = bar.querySelector("[data-bulk-count]");
    var submit = bar.querySelector("[data-bulk-submit]");

    function rows() {
      return Array.prototype.slice.call(
        document.querySelectorAll('input[data-bulk-row][form="' + bar.id + '"]')
      );
    }

    function update() {
      var boxes = rows();
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      pageBoxes.forEach(function (pageBox) {
        pageBox.checked = boxes.length > 0 && ticked === boxes.length;
        pageBox.indeterminate = ticked > 0 && ticked < boxes.length;
      });
      if (matching.checked) {
        count.textContent = count.getAttribute("data-all");
      } else if (ticked) {
        count.textContent = count.getAttribute("data-some").replace("%(count)s", String(ticked));
      } else {
        count.textContent = count.getAttribute("data-none");
      }
      var selected = matching.checked || ticked > 0;
      submit.disabled = !selected;
      bar.classList.toggle("has-selection", selected);
    }

    document.addEventListener("change", function (event) {
      var target = event.target;
      if (pageBoxes.indexOf(target) >= 0) {
        rows().forEach(function (box) { box.checked = target.checked; });
        if (!target.checked) { matching.checked = false; }
      } else if (target === matching) {
        if (matching.checked) { rows().forEach(function (box) { box.checked = true; }); }
      } else if (target.matches && target.matches("input[data-bulk-row]")) {
        if (!target.checked) { matching.checked = false; }
      } else {
        return;
      }
      update();
    });
    // Rows swapped in by htmx (a task marked done) are counted again.
    document.body.addEventListener("htmx:afterSwap", update);
    update();
  }

  document.querySelectorAll("form[data-bulk-bar]").forEach(setUp);
})();
