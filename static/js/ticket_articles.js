// The ticket page's suggested articles (rapport/service/templates/service/_ticket_articles.html):
// "Insert link" puts the article's title and help-centre address into the reply box where the
// cursor is (or was: clicking the button moves the focus, not the textarea's selection).
// One listener on the document, as the list is redrawn by htmx and kept across the page's
// redraws (hx-preserve).
(function () {
  "use strict";

  function insertAtCursor(box, text) {
    var start = box.selectionStart, end = box.selectionEnd;
    if (typeof start !== "number") { start = end = box.value.length; }
    var before = box.value.slice(0, start), after = box.value.slice(end);
    if (before && !/\s$/.test(before)) { text = " " + text; }
    if (!after || !/^\s/.test(after)) { text = text + " "; }
    box.value = before + text + after;
    var cursor = start + text.length;
    box.focus();
    box.setSelectionRange(cursor, cursor);
    // Let anything watching the box (Alpine, htmx) see the change.
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-article]");
    if (!button) { return; }
    event.preventDefault();
    var box = document.getElementById("reply-body");
    if (!box) { return; }
    insertAtCursor(box, button.dataset.title + ": " + button.dataset.url);
  });
})();
