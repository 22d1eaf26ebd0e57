// Small behaviours htmx and Alpine do not cover, and the Alpine components of the pages.
// Everything runs from static files: the Content-Security-Policy allows no inline script, no
// inline event handler (onsubmit=, onchange=, …) and no evaluation of strings as code.
(function () {
  "use strict";

  // htmx evaluates no strings as code (hx-on, js: values, event filters) and injects no <style>
  // element (its indicator rules are in rapport.css); scripts in swapped HTML are not run.
  if (window.htmx) {
    window.htmx.config.allowEval = false;
    window.htmx.config.allowScriptTags = false;
    window.htmx.config.includeIndicatorStyles = false;
  }

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
      return;
    }
    // <textarea data-select-on-click>: one click selects the whole text, ready to copy.
    var selectable = event.target.closest("[data-select-on-click]");
    if (selectable) { selectable.select(); }
  });

  // <form data-confirm="Delete this?"> asks before it is sent. Capturing, so that the question
  // comes before any other submit handler.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <select data-navigate>: choosing an option opens the address in its value.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-navigate]");
    if (select && select.value) { window.location.assign(select.value); }
  });

  function jsonScript(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : {};
  }

  // Alpine components: the pages name them in x-data; the CSP build of Alpine reads the small
  // expressions of the templates without `new Function`, but state and logic live here.
  document.addEventListener("alpine:init", function () {
    var Alpine = window.Alpine;

    // The top bar: the hamburger shows the navigation on small screens.
    Alpine.data("topbar", function () {
      return {
        navOpen: false,
        toggleNav: function () { this.navOpen = !this.navOpen; },
        get navClass() { return this.navOpen ? "open" : ""; }
      };
    });

    // A menu of the top bar (a navigation group, the user menu): a button with aria-expanded
    // and the list after it, which the stylesheet shows while aria-expanded is "true". Escape
    // closes it and puts the focus back on its button; so do a click or the focus elsewhere.
    Alpine.data("navMenu", function () {
      return {
        open: false,
        toggle: function () { this.open = !this.open; },
        close: function () { this.open = false; },
        closeAndFocus: function () {
          if (!this.open) { return; }
          this.open = false;
          var button = this.$root.querySelector("[aria-expanded]");
          if (button) { button.focus(); }
        },
        closeIfFocusLeft: function (event) {
          if (!event.relatedTarget || !this.$root.contains(event.relatedTarget)) { this.open = false; }
        }
      };
    });

    // Shows fields that depend on a checkbox or a select; the control's rendered value is the
    // starting state, so the template interpolates nothing into an expression.
    Alpine.data("leadConvert", function () {
      return {
        deal: false,
        init: function () {
          var box = this.$el.querySelector("[name=create_deal]");
          this.deal = !!(box && box.checked);
        }
      };
    });
    Alpine.data("leadEvent", function () {
      return {
        kind: "note",
        init: function () {
          var select = this.$el.querySelector("[name=kind]");
          if (select) { this.kind = select.value; }
        },
        isContact: function () { return this.kind === "contact"; }
      };
    });

    // The question list of the lead form designer: add, remove, reorder, all in the page; the
    // server reads the rows as fields-<i>-key, -label, -type, -required, -options in their order
    // on the page. Its data comes from the json_script "designer-data".
    Alpine.data("leadFormDesigner", function () {
      var data = jsonScript("designer-data");
      var uid = 0;
      function row(f, i) {
        var errors = [];
        Object.keys(data.errors || {}).forEach(function (key) {
          if (key.split(".")[0] === String(i)) { errors = errors.concat(data.errors[key]); }
        });
        return { uid: ++uid, key: f.key || "", label: f.label || "", type: f.type || "text",
                 required: !!f.required, options: (f.options || []).join("\n"), errors: errors };
      }
      return {
        fields: (data.fields || []).map(row),
        types: data.types || [],
        add: function () { this.fields.push(row({}, -1)); },
        remove: function (i) { this.fields.splice(i, 1); },
        move: function (i, step) {
          var j = i + step;
          if (j < 0 || j >= this.fields.length) { return; }
          var moved = this.fields.splice(i, 1)[0];
          this.fields.splice(j, 0, moved);
        }
      };
    });
  });
})();
