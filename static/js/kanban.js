// The kanban board: dragging deals between stages, and to the won and lost zones, posts the
// move with htmx. SortableJS is imported from the address the page gives (its static URL).

const board = document.getElementById("kanban");
const { default: Sortable } = await import(board.dataset.sortableSrc);
const errorBox = document.querySelector("[data-testid=kanban-error]");
const noticeBox = document.querySelector("[data-testid=kanban-notice]");
const dialog = document.getElementById("lose-dialog");
const texts = JSON.parse(document.getElementById("kanban-texts").textContent);
const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
const filters = {};
if (board.dataset.ownerId) filters.owner_id = board.dataset.ownerId;
if (board.dataset.teamId) filters.team_id = board.dataset.teamId;

function flash(box, text) {
  box.textContent = text;
  box.hidden = false;
  clearTimeout(box._timer);
  box._timer = setTimeout(() => { box.hidden = true; }, 6000);
}

// A refused move puts the card back where it was.
function putBack(evt) {
  const reference = evt.from.children[evt.oldIndex] || null;
  evt.from.insertBefore(evt.item, reference);
}

function post(evt, values, onDone) {
  const card = evt.item;
  card.classList.add("moving");
  card.addEventListener("htmx:afterRequest", (event) => {
    card.classList.remove("moving");
    if (event.detail.successful) {
      onDone();
    } else {
      putBack(evt);
      const xhr = event.detail.xhr;
      flash(errorBox, (xhr && xhr.status && xhr.responseText) || texts.failed);
    }
  }, { once: true });
  htmx.ajax("POST", card.dataset.moveUrl, {
    source: card,
    swap: "none",
    headers: { "X-CSRFToken": csrf },
    values: { version: card.dataset.version, ...filters, ...values },
  });
}

function askLostReason() {
  return new Promise((resolve) => {
    const form = dialog.querySelector("form");
    form.reset();
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "lose") {
        resolve({
          lost_reason_id: form.elements.lost_reason_id.value,
          note: form.elements.note.value,
        });
      } else {
        resolve(null);
      }
    }, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

const options = { group: "deals", draggable: ".deal-card", animation: 150, forceFallback: true, fallbackTolerance: 4 };

board.querySelectorAll(".kanban-cards").forEach((column) => {
  Sortable.create(column, {
    ...options,
    onAdd(evt) {
      post(evt, { stage_id: evt.to.dataset.stageId }, () => {});
    },
  });
});

board.querySelectorAll(".kanban-drop").forEach((zone) => {
  Sortable.create(zone, {
    ...options,
    sort: false,
    async onAdd(evt) {
      const values = { stage_id: zone.dataset.stageId };
      if (zone.dataset.kind === "lost") {
        const answer = await askLostReason();
        if (answer === null) { putBack(evt); return; }
        Object.assign(values, answer);
      }
      post(evt, values, () => {
        evt.item.remove();
        flash(noticeBox, zone.dataset.kind === "won" ? texts.won : texts.lost);
      });
    },
  });
});
// Tests (and impatient people) can tell when dragging works.
board.dataset.ready = "true";
