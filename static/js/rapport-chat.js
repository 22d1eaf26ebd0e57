// Rapport web chat widget. On a shop's page:
//   <script src="https://crm.example.com/static/js/rapport-chat.js" data-key="rsk_…"
//           data-lang="zh-hans" defer></script>
// A button opens a panel: the visitor asks, sees suggested help articles, and may chat with an
// agent (optional name, e-mail, phone). New messages arrive by long poll. No framework; every
// text is set with textContent, so HTML typed by anyone shows as typed.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.rapportChat) { return; }
  var key = script.getAttribute("data-key");
  var lang = script.getAttribute("data-lang") || "";
  var base = new URL(script.src).origin + "/chat/w/" + encodeURIComponent(key) + "/";
  var query = "?lang=" + encodeURIComponent(lang);
  var storeKey = "rapport-chat:" + key;
  var words = {};
  var state = {token: null, status: "", lastId: 0, question: "", articles: []};

  function call(path, body, extra) {
    var options = body === undefined ? {} : {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body)
    };
    return fetch(base + path + query + (extra || ""), options).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) { throw json; }
        return json;
      });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var css = "position:fixed;right:16px;bottom:16px;z-index:2147483000;font:14px/1.4 sans-serif";
  var root = el("div", {"data-rapport-chat": "", style: css});
  var button = el("button", {type: "button", "data-testid": "rc-open",
    style: "padding:10px 16px;border-radius:20px;border:0;background:#1f6feb;color:#fff"});
  var panel = el("div", {role: "dialog", "data-testid": "rc-panel", hidden: "",
    style: "width:320px;max-height:480px;overflow:auto;background:#fff;color:#222;" +
      "border:1px solid #ccc;border-radius:8px;padding:12px;margin-bottom:8px"});
  var title = el("h2", {style: "font-size:16px;margin:0 0 8px"});
  var body = el("div");
  var error = el("p", {role: "alert", "data-testid": "rc-error", style: "color:#b00020"});
  error.hidden = true;
  panel.appendChild(title);
  panel.appendChild(body);
  panel.appendChild(error);
  root.appendChild(panel);
  root.appendChild(button);

  function showError(problem) {
    error.textContent = (problem && problem.message) || words.error || "Error";
    error.hidden = false;
  }

  function field(labelText, name, type, testid) {
    var label = el("label", {style: "display:block;margin:4px 0"}, labelText);
    var input = el(type === "textarea" ? "textarea" : "input",
      {name: name, "data-testid": testid, style: "display:block;width:100%;box-sizing:border-box"});
    if (type !== "textarea") { input.type = type; }
    label.appendChild(input);
    return label;
  }

  function askView() {
    body.replaceChildren();
    var form = el("form");
    form.appendChild(field(words.question, "question", "textarea", "rc-question"));
    form.appendChild(el("button", {type: "submit", "data-testid": "rc-ask"}, words.ask));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      state.question = form.elements.question.value;
      error.hidden = true;
      call("suggest", {question: state.question}).then(suggestView).catch(showError);
    });
    body.appendChild(form);
  }

  function suggestView(result) {
    body.replaceChildren();
    state.articles = result.articles;
    if (result.articles.length) {
      body.appendChild(el("p", {}, words.suggested));
      var list = el("ul", {"data-testid": "rc-articles"});
      result.articles.forEach(function (article) {
        var item = el("li");
        item.appendChild(el("a", {href: article.url, target: "_blank", rel: "noopener"},
          article.title));
        list.appendChild(item);
      });
      body.appendChild(list);
      var answered = el("button", {type: "button", "data-testid": "rc-answered"}, words.answered);
      answered.addEventListener("click", function () {
        call("deflected", {
          question: state.question,
          article_ids: state.articles.map(function (article) { return article.id; })
        }).then(function () {
          body.replaceChildren(el("p", {"data-testid": "rc-thanks"}, words.thanks));
        }).catch(showError);
      });
      body.appendChild(answered);
    }
    var form = el("form", {"data-testid": "rc-start-form"});
    form.appendChild(field(words.name, "name", "text", "rc-name"));
    form.appendChild(field(words.email, "email", "email", "rc-email"));
    form.appendChild(field(words.phone, "phone", "tel", "rc-phone"));
    form.appendChild(el("button", {type: "submit", "data-testid": "rc-start"}, words.talk));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      call("start", {
        question: state.question,
        name: form.elements.name.value,
        email: form.elements.email.value,
        phone: form.elements.phone.value
      }).then(function (result) {
        state.token = result.token;
        try { window.sessionStorage.setItem(storeKey, result.token); } catch (e) { /* private */ }
        chatView();
        receive(result);
        poll();
      }).catch(showError);
    });
    body.appendChild(form);
  }

  var log, statusLine, sendForm;

  function chatView() {
    body.replaceChildren();
    statusLine = el("p", {"data-testid": "rc-status"}, words.waiting);
    log = el("ol", {"data-testid": "rc-log", "aria-live": "polite",
      style: "list-style:none;padding:0;margin:0"});
    sendForm = el("form");
    sendForm.appendChild(field(words.message, "text", "textarea", "rc-text"));
    sendForm.appendChild(el("button", {type: "submit", "data-testid": "rc-send"}, words.send));
    var end = el("button", {type: "button", "data-testid": "rc-end"}, words.end);
    sendForm.appendChild(end);
    sendForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = sendForm.elements.text;
      call("send", {token: state.token, text: box.value}).then(function (result) {
        error.hidden = true;
        box.value = "";
        add(result.message);
      }).catch(showError);
    });
    end.addEventListener("click", function () {
      call("end", {token: state.token}).then(receive).catch(showError);
    });
    body.appendChild(statusLine);
    body.appendChild(log);
    body.appendChild(sendForm);
  }

  function add(message) {
    if (message.id <= state.lastId) { return; }
    state.lastId = message.id;
    var item = el("li", {"data-sender": message.sender, style: "margin:4px 0"});
    var who = message.sender === "visitor" ? words.you
      : (message.sender === "agent" ? (message.name || words.agent) : "");
    if (who) { item.appendChild(el("strong", {}, who + ": ")); }
    item.appendChild(el("span", {}, message.text));
    if (message.sender === "system") { item.style.color = "#555"; }
    log.appendChild(item);
  }

  function receive(result) {
    (result.messages || []).forEach(add);
    if (result.status) {
      state.status = result.status;
      statusLine.textContent = result.status === "waiting" ? words.waiting
        : (result.status === "active" ? "" : words.ended);
      sendForm.hidden = !(result.status === "waiting" || result.status === "active");
    }
  }

  function poll() {
    if (!state.token || state.status === "ended" || state.status === "ticket") { return; }
    call("poll", undefined, "&token=" + encodeURIComponent(state.token) + "&after=" +
      state.lastId + "&status=" + encodeURIComponent(state.status))
      .then(function (result) {
        receive(result);
        window.setTimeout(poll, result.busy ? 1000 : 0);
      })
      .catch(function (problem) {
        if (problem && problem.code === "not_found") { return; }
        window.setTimeout(poll, 3000);
      });
  }

  button.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    button.textContent = panel.hidden ? words.open : words.close;
  });

  call("labels").then(function (labels) {
    words = labels;
    button.textContent = words.open;
    title.textContent = words.title;
    var saved = null;
    try { saved = window.sessionStorage.getItem(storeKey); } catch (e) { /* private */ }
    if (saved) {
      state.token = saved;
      chatView();
      poll();
    } else {
      askView();
    }
    document.body.appendChild(root);
    window.rapportChat = {loaded: true};
  });
})();
