// Working together: the @ list of colleagues in texts that take mentions, and copy buttons.
// Runs from this static file only (the Content-Security-Policy allows no inline script); events
// are delegated from the document, so fields that htmx swaps in work without setup.
(function () {
  "use strict";

  // --- <button data-copy="input-id" data-copied="Copied">: copies the input's value. -------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) { return; }
    input.select();
    var done = function () {
      var label = button.getAttribute("data-copied");
      if (label) {
        var before = button.textContent;
        button.textContent = label;
        window.setTimeout(function () { button.textContent = before; }, 1500);
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });

  // --- Mentions ---------------------------------------------------------------------------------
  // <textarea data-mentions="/activities/mentions/">: typing "@" and some letters (or a Chinese
  // name) lists matching colleagues; picking one (click, Enter or Tab) replaces "@…" with the
  // token "@[Name](user:12) " that rapport.activities.mentions reads. An "@" right after a
  // letter or digit (an e-mail address) opens nothing.
  var QUERY = /(?:^|[^A-Za-z0-9_.@])@([^\s@\[\]()]{0,30})$/;
  var state = null; // {field, list, items, active, start, timer, request}

  function close() {
    if (!state) { return; }
    if (state.list.parentNode) { state.list.parentNode.removeChild(state.list); }
    state.field.removeAttribute("aria-activedescendant");
    state.field.setAttribute("aria-expanded", "false");
    window.clearTimeout(state.timer);
    state = null;
  }

  function highlight(index) {
    if (!state || !state.items.length) { return; }
    state.active = (index + state.items.length) % state.items.length;
    var options = state.list.children;
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === state.active ? "true" : "false");
    }
    state.field.setAttribute("aria-activedescendant", options[state.active].id);
  }

  function pick(index) {
    if (!state || !state.items[index]) { return; }
    var field = state.field;
    var token = state.items[index].token + " ";
    var caret = field.selectionStart;
    field.value = field.value.slice(0, state.start) + token + field.value.slice(caret);
    var position = state.start + token.length;
    field.setSelectionRange(position, position);
    close();
    field.focus();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function show(field, start, results) {
    if (!state || state.field !== field) { return; }
    state.items = results;
    state.start = start;
    var list = state.list;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!results.length) {
      if (list.parentNode) { list.parentNode.removeChild(list); }
      field.setAttribute("aria-expanded", "false");
      return;
    }
    results.forEach(function (user, i) {
      var option = document.createElement("li");
      option.id = list.id + "-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("data-index", String(i));
      option.setAttribute("data-testid", "mention-option");
      option.setAttribute("translate", "no");
      var name = document.createElement("span");
      name.textContent = user.name;
      var login = document.createElement("span");
      login.className = "muted small";
      login.textContent = " @" + user.username;
      option.appendChild(name);
      option.appendChild(login);
      list.appendChild(option);
    });
    if (!list.parentNode) { field.insertAdjacentElement("afterend", list); }
    field.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  function lookup(field) {
    var caret = field.selectionStart;
    if (caret !== field.selectionEnd) { close(); return; }
    var match = QUERY.exec(field.value.slice(0, caret));
    if (!match) { close(); return; }
    var start = caret - match[1].length - 1;
    if (!state || state.field !== field) {
      close();
      var list = document.createElement("ul");
      list.className = "mention-list";
      list.id = (field.id || "field") + "-mentions";
      list.setAttribute("role", "listbox");
      list.setAttribute("data-testid", "mention-list");
      field.setAttribute("aria-controls", list.id);
      field.setAttribute("aria-autocomplete", "list");
      state = { field: field, list: list, items: [], active: 0, start: start, timer: 0, request: 0 };
    }
    window.clearTimeout(state.timer);
    var request = ++state.request;
    state.timer = window.setTimeout(function () {
      var url = field.getAttribute("data-mentions") + "?q=" + encodeURIComponent(match[1]);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (state && state.request === request) { show(field, start, data.results || []); }
        })
        .catch(function () {});
    }, 150);
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-mentions]")) { lookup(field); }
  });

  document.addEventListener("keydown", function (event) {
    if (!state || event.target !== state.field || !state.list.parentNode) { return; }
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(state.active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(state.active - 1); }
    else if (event.key === "Enter" || event.key === "Tab") {
      if (event.isComposing) { return; } // an input method is still choosing characters
      event.preventDefault();
      pick(state.active);
    } else if (event.key === "Escape") { event.preventDefault(); close(); }
  });

  // mousedown, not click: the field keeps its focus and caret while the option is chosen.
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest(".mention-list [role=option]");
    if (option && state) {
      event.preventDefault();
      pick(parseInt(option.getAttribute("data-index"), 10));
    } else if (state && event.target !== state.field) {
      close();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (state && event.target === state.field) { window.setTimeout(close, 200); }
  });
})();
