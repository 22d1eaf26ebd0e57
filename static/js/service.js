// The ticket page (rapport/service/templates/service/_ticket_main.html): the reply box's tabs,
// public reply or internal note. The chosen tab is the hidden input "kind" the server reads;
// without script the box sends a public reply (or, for a reader who may only note, a note).
(function () {
  "use strict";

  document.addEventListener("alpine:init", function () {
    window.Alpine.data("ticketReply", function () {
      return {
        kind: "reply",
        init: function () {
          var input = this.$el.querySelector("input[name=kind]");
          if (input && input.value) { this.kind = input.value; }
        },
        showReply: function () { this.kind = "reply"; },
        showNote: function () { this.kind = "note"; },
        get isReply() { return this.kind === "reply"; },
        get isNote() { return this.kind === "note"; },
        get replyTabClass() { return this.kind === "reply" ? "active" : ""; },
        get noteTabClass() { return this.kind === "note" ? "active" : ""; }
      };
    });

    // The team queue: one box ticks or unticks every ticket shown, for bulk assignment.
    window.Alpine.data("queueTicks", function () {
      return {
        toggleAll: function (event) {
          var on = event.target.checked;
          this.$root.querySelectorAll("input[name=ticket_ids]").forEach(function (box) {
            box.checked = on;
          });
        }
      };
    });
  });
})();
