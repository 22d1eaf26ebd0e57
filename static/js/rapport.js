// Small behaviours htmx and Alpine do not cover: adding rows to repeated form sections.
(function () {
  "use strict";

  // <button data-add-row="phones"> clones <template id="phones-template"> into #phones-rows,
  // replacing __i__ with the next free index so the server sees phones-<i>-number etc.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (button) {
      event.preventDefault();
      var name = button.getAttribute("data-add-row");
      var container = document.getElementById(name + "-rows");
      var template = document.getElementById(name + "-template");
      var next = parseInt(container.getAttribute("data-next") || "0", 10);
      container.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__i__/g, String(next)));
      container.setAttribute("data-next", String(next + 1));
      if (window.htmx) { window.htmx.process(container.lastElementChild); }
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      remove.closest(".row").remove();
    }
  });
})();
