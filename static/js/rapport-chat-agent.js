// Agents' side of the web chat: the inbox (waiting chats, badge, a short sound) and one chat
// (take, reply, end; new messages by long poll). No framework; text is always set with
// textContent, so a visitor's HTML shows as typed.
(function () {
  "use strict";

  function csrfToken(root) {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, root, data) {
    var body = new URLSearchParams(data || {});
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(root)},
      body: body
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) { throw json; }
        return json;
      });
    });
  }

  function beep() {
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      var context = new Context();
      var oscillator = context.createOscillator();
      var gain = context.createGain();
      oscillator.frequency.value = 880;
      gain.gain.value = 0.05;
      oscillator.connect(gain);
      gain.connect(context.destination);
      oscillator.start();
      oscillator.stop(context.currentTime + 0.15);
    } catch (error) { /* sound not allowed before the user touched the page */ }
  }

  function startInbox(root) {
    var url = root.getAttribute("data-state-url");
    var badge = document.querySelector("[data-chat-badge]");
    var list = root.querySelector("[data-chat-waiting]");
    var none = root.querySelector("[data-chat-none]");
    var known = list.querySelectorAll("li").length;

    function render(state) {
      if (badge) { badge.textContent = String(state.waiting_count); }
      list.replaceChildren();
      state.waiting.forEach(function (chat) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = chat.url;
        link.textContent = chat.question;
        link.setAttribute("data-testid", "chat-waiting-item");
        item.appendChild(link);
        if (chat.name) { item.appendChild(document.createTextNode(" — " + chat.name)); }
        list.appendChild(item);
      });
      none.hidden = state.waiting_count > 0;
      if (state.waiting_count > known) { beep(); }
      known = state.waiting_count;
    }

    function tick() {
      fetch(url, {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(render)
        .catch(function () {})
        .finally(function () { window.setTimeout(tick, 1000); });
    }
    window.setTimeout(tick, 1000);
  }

  function startChat(root) {
    var log = root.querySelector("[data-chat-log]");
    var statusLine = root.querySelector("[data-chat-status]");
    var takeBox = root.querySelector("[data-chat-take]");
    var form = root.querySelector("[data-chat-form]");
    var errorLine = root.querySelector("[data-chat-error]");
    var status = root.getAttribute("data-status");
    var lastId = 0;
    log.querySelectorAll("li[data-id]").forEach(function (item) {
      lastId = Math.max(lastId, Number(item.getAttribute("data-id")));
    });

    function showError(error) {
      errorLine.textContent = (error && error.message) || root.getAttribute("data-error-label");
      errorLine.hidden = false;
    }

    function add(message) {
      if (message.id <= lastId) { return; }
      lastId = message.id;
      var item = document.createElement("li");
      item.className = "chat-" + message.sender;
      item.setAttribute("data-id", String(message.id));
      var who = document.createElement("strong");
      who.textContent = message.sender === "visitor" ? root.getAttribute("data-visitor-label")
        : (message.sender === "agent" ? message.name : "—");
      var text = document.createElement("span");
      text.textContent = message.text;
      item.appendChild(who);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(text);
      log.appendChild(item);
    }

    function setStatus(next) {
      status = next;
      root.setAttribute("data-status", next);
      takeBox.hidden = next !== "waiting";
      if (next !== "active") { form.hidden = true; }
      if (next === "ended" || next === "ticket") {
        statusLine.textContent = root.getAttribute("data-ended-label");
      }
    }

    function poll() {
      var url = root.getAttribute("data-poll-url") + "?after=" + lastId +
        "&status=" + encodeURIComponent(status);
      fetch(url, {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (state) {
          (state.messages || []).forEach(add);
          if (state.status && state.status !== status) { setStatus(state.status); }
          window.setTimeout(poll, state.busy ? 1000 : 0);
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }

    takeBox.querySelector("button").addEventListener("click", function () {
      post(root.getAttribute("data-take-url"), root).then(function (result) {
        setStatus(result.status);
        form.hidden = false;
        form.querySelector("textarea").focus();
      }).catch(showError);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = form.querySelector("textarea");
      post(root.getAttribute("data-send-url"), root, {text: box.value}).then(function (result) {
        errorLine.hidden = true;
        box.value = "";
        add(result.message);
      }).catch(showError);
    });
    root.querySelector("[data-chat-end]").addEventListener("click", function () {
      post(root.getAttribute("data-end-url"), root).then(function (result) {
        setStatus(result.status);
      }).catch(showError);
    });
    poll();
  }

  document.querySelectorAll("[data-chat-inbox]").forEach(startInbox);
  document.querySelectorAll("[data-chat-agent]").forEach(startChat);
})();
