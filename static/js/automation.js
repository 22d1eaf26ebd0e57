// The rule builder (automation/rule_form.html): three steps drawn from the json_script
// "rule-builder-data" — the trigger's inputs for its type, rows of conditions (and groups of
// them), an ordered list of actions each with its own small form. Every input carries a name
// (trigger-*, cond-<i>-*, cond-<i>-<j>-*, action-<i>-*), so the page posts as a plain form and
// the server turns it into the rule (rapport/automation/forms.py).
//
// The page loads this file without `defer`, so it runs while the head is parsed, before the
// deferred Alpine starts: the component is registered on "alpine:init" like rapport.js's.
(function () {
  "use strict";

  function builder() {
    var element = document.getElementById("rule-builder-data");
    var data = element ? JSON.parse(element.textContent) : {};
    var state = data.state || {};
    var catalogue = data.catalogue || { types: {}, operators: {}, operators_by_kind: {} };
    var uid = 0;

    function withUid(item) {
      item.uid = ++uid;
      if (item.kind === "group") { item.items = (item.items || []).map(withUid); }
      return item;
    }
    function copy(object) { return JSON.parse(JSON.stringify(object)); }

    return {
      trigger: state.trigger || {},
      conditions: { match: (state.conditions || {}).match || "all",
                    items: ((state.conditions || {}).items || []).map(withUid) },
      actions: (state.actions || []).map(withUid),
      errors: data.errors || {},
      triggerTypes: data.trigger_types || [],
      actionTypes: data.action_types || [],
      recordTypes: data.record_types || [],
      stages: data.stages || [],
      templates: data.templates || [],
      users: data.users || [],
      teams: data.teams || [],

      // --- errors by path ("trigger.cron", "actions.1.template_id") ---
      errs: function (path) { return this.errors[path] || []; },
      has: function (path) { return (this.errors[path] || []).length > 0; },
      // Every message about a row: its own inputs' and the row's as a whole.
      rowErrs: function (prefix) {
        var found = [];
        var errors = this.errors;
        Object.keys(errors).forEach(function (key) {
          if (key === prefix || key.indexOf(prefix + ".") === 0) {
            // A group's own rows are shown on those rows.
            if (key.indexOf(prefix + ".items.") === 0) { return; }
            found = found.concat(errors[key]);
          }
        });
        return found;
      },
      clearErrors: function (prefix) {
        var errors = {};
        var old = this.errors;
        Object.keys(old).forEach(function (key) {
          if (key !== prefix && key.indexOf(prefix + ".") !== 0) { errors[key] = old[key]; }
        });
        this.errors = errors;
      },

      // --- the trigger ---
      isType: function (types) { return types.split(" ").indexOf(this.trigger.type) >= 0; },
      needsRecordType: function () {
        return this.isType("record_created record_updated date_reached schedule");
      },
      // The record type the conditions and actions are about.
      subject: function () {
        if (this.needsRecordType()) { return this.trigger.record_type || "person"; }
        if (this.trigger.type === "stage_reached") { return "deal"; }
        return "person";
      },
      typeInfo: function () { return catalogue.types[this.subject()] || { fields: [] }; },
      ownInfo: function () { return catalogue.types[this.trigger.record_type] || { fields: [] }; },
      changeable: function () { return this.ownInfo().changeable || []; },
      dateFields: function () { return this.ownInfo().dates || []; },
      isChanged: function (key) { return (this.trigger.fields || []).indexOf(key) >= 0; },

      // --- conditions ---
      fields: function () { return this.typeInfo().fields || []; },
      field: function (key) {
        var list = this.fields();
        for (var i = 0; i < list.length; i++) { if (list[i].key === key) { return list[i]; } }
        return { key: key, label: key, kind: "text", choices: [] };
      },
      operators: function (row) {
        var names = catalogue.operators_by_kind[this.field(row.field).kind] ||
          catalogue.operators_by_kind.text || [];
        return names.map(function (op) { return [op, catalogue.operators[op] || op]; });
      },
      needsValue: function (row) { return row.op !== "is_empty" && row.op !== "is_not_empty"; },
      choiceValue: function (row) {
        var info = this.field(row.field);
        return this.needsValue(row) && (info.kind === "choice" || info.kind === "bool") &&
          (row.op === "eq" || row.op === "ne");
      },
      textValue: function (row) { return this.needsValue(row) && !this.choiceValue(row); },
      valueChoices: function (row) {
        var info = this.field(row.field);
        if (info.kind === "bool") { return [["true", data.yes || "yes"], ["false", data.no || "no"]]; }
        return info.choices || [];
      },
      inputType: function (row) {
        if (row.op === "in" || row.op === "not_in") { return "text"; }
        var kind = this.field(row.field).kind;
        return kind === "number" ? "number" : (kind === "date" ? "date" : "text");
      },
      // A field that changed: keep the operator if it still applies.
      fieldChanged: function (row) {
        var ops = this.operators(row).map(function (pair) { return pair[0]; });
        if (ops.indexOf(row.op) < 0) { row.op = ops[0] || "eq"; }
      },
      newRow: function () {
        var first = this.fields()[0];
        var row = withUid({ kind: "row", field: first ? first.key : "", op: "eq", value: "" });
        this.fieldChanged(row);
        return row;
      },
      addCondition: function () {
        this.clearErrors("conditions");
        this.conditions.items.push(this.newRow());
      },
      addGroup: function () {
        this.clearErrors("conditions");
        this.conditions.items.push(withUid({ kind: "group", match: "any", items: [this.newRow()] }));
      },
      addToGroup: function (group) {
        this.clearErrors("conditions");
        group.items.push(this.newRow());
      },
      removeCondition: function (i) {
        this.clearErrors("conditions");
        this.conditions.items.splice(i, 1);
      },
      removeFromGroup: function (group, j) {
        this.clearErrors("conditions");
        group.items.splice(j, 1);
      },

      // --- actions ---
      addAction: function () {
        this.clearErrors("actions");
        this.actions.push(withUid(copy(state.empty_action || { type: "send_email" })));
      },
      removeAction: function (i) {
        this.clearErrors("actions");
        this.actions.splice(i, 1);
      },
      moveAction: function (i, step) {
        var j = i + step;
        if (j < 0 || j >= this.actions.length) { return; }
        this.clearErrors("actions");
        var moved = this.actions.splice(i, 1)[0];
        this.actions.splice(j, 0, moved);
      },
      settable: function () { return this.typeInfo().settable || []; },
      ownDates: function () { return this.typeInfo().own_dates || []; },
      hasOwner: function () { return !!this.typeInfo().has_owner; },
      isChosen: function (action, id) { return (action.user_ids || []).indexOf(id) >= 0; }
    };
  }

  document.addEventListener("alpine:init", function () {
    window.Alpine.data("ruleBuilder", builder);
  });
})();
