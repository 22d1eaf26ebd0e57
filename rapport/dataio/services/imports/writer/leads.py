"""Writing leads in bulk, as `lead_create` would: scored by the rules, with their history."""

import json
from typing import Any

from django.db.models import Count
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.records import records_changed
from rapport.dataio.models import (
    ImportAction,
    ImportTarget,
)
from rapport.dataio.services.imports.plans import Planned
from rapport.dataio.services.imports.writer.common import (
    LEAD_COLUMNS,
    LEAD_DEFAULTS,
    LEAD_EVENT_COLUMNS,
    LEAD_TABLE_COLUMNS,
    RECORD_COLUMNS,
    announce_updates,
    jsonable,
    row_fields,
    row_value,
)
from rapport.dataio.tablewriter import TableWriter
from rapport.sales.models import Lead, LeadScoringRule, LeadStatus, ScoringRuleKind
from rapport.sales.models.leads import LeadCaptureChannel, LeadEvent, LeadEventKind
from rapport.sales.services.leads import (
    RuleAssigner,
    lead_follow_up_create,
    lead_score_compute,
)
from rapport.sales.services.leads.scoring import INTERACTION_KINDS


class LeadWriting:
    """Methods of `BatchWriter` (see batch.py) for this target."""

    def _lead_values(self, fields: dict) -> dict:
        return {k: fields[k] for k in LEAD_COLUMNS if fields.get(k) not in (None, "")}

    def _scoring_rules(self) -> list[LeadScoringRule]:
        # Read per batch, so a rule an administrator changes during a long import applies to
        # the batches after it, as it would to leads entered by hand.
        return list(LeadScoringRule.objects.filter(is_active=True).order_by("position", "pk"))

    def _owner_names(self, ids: set[int]) -> None:
        missing = ids - self.owner_names.keys()
        if missing:
            for user in User.objects.filter(pk__in=missing):
                self.owner_names[user.pk] = str(user)

    def _create_leads(self, cursor, planned: list[Planned]) -> int:
        """New leads as `lead_create` writes them: scored, with their "created" history entry,
        the inquiry when the row has a message and "assigned" when the owner is not the
        importer. The owner is the row's, else the default owner or the importer, and the lead
        goes to the owner's team.

        With the default "by the assignment rules" (`assign_by_rules`), a row that names no
        owner is given out by the rules as a lead from a web form is (`RuleAssigner`), gets an
        "assigned" entry naming the rule and its owner's follow-up task; it waits unassigned in
        the rule's team queue when that team has no sellers, and in the importer's team queue
        when no rule matches. Otherwise the file says who owns what and no follow-up task is
        made: a file of leads should not become a task per row unless it is handed out."""
        if not planned:
            return 0
        now = timezone.now()
        stamp = self._db_datetime(now)
        rules = self._scoring_rules()
        assigner = RuleAssigner() if self.assign_by_rules else None
        self._owner_names({p.owner[0] for p in planned} - {self.actor.pk})
        ids = self._reserve_ids(cursor, Lead, len(planned))
        leads, events, keys, records, follow_ups = [], [], [], [], []
        for pk, p in zip(ids, planned, strict=True):
            values = {**LEAD_DEFAULTS, **self._lead_values(row_fields(p.row))}
            owner_id, team_id = p.owner
            lead = Lead(pk=pk, created_at=now, owner_id=owner_id, team_id=team_id, **values)
            rule = None
            if assigner is not None and not row_value(p.row, "owner_username"):
                rule, owner = assigner.choose(lead)
                if owner is not None:
                    lead.owner, lead.team_id = owner, owner.team_id or team_id
                    self.owner_names[owner.pk] = str(owner)
                    follow_ups.append((lead, owner))
                else:
                    # Nobody to give it to: it waits in the queue of the rule's team, or of
                    # the importer's team when no rule matches.
                    lead.owner_id = None
                    lead.team_id = rule.team_id if rule is not None else team_id
                owner_id, team_id = lead.owner_id, lead.team_id
            # The inquiry written below is the lead's one interaction so far.
            score, reasons = lead_score_compute(
                lead, rules, interactions=1 if values["message"] else 0, now=now
            )
            leads.append(
                (
                    pk,
                    stamp,
                    stamp,
                    *(values[k] for k in LEAD_COLUMNS),
                    "{}",
                    "",
                    score,
                    json.dumps(reasons),
                    owner_id,
                    team_id,
                    1,
                )
            )
            created = {
                "via": LeadCaptureChannel.IMPORT,
                "source": values["source"],
                "campaign": values["campaign"],
                "import_id": self.job.pk,
            }
            events.append(
                (pk, LeadEventKind.CREATED, stamp, self.actor.pk, "", json.dumps(created))
            )
            if values["message"]:
                events.append((pk, LeadEventKind.INQUIRY, stamp, None, values["message"], "{}"))
            if owner_id is not None and (owner_id != self.actor.pk or rule is not None):
                assigned = {
                    "owner": self.owner_names[owner_id],
                    "owner_id": owner_id,
                    "rule": rule.name if rule is not None else "",
                }
                events.append(
                    (pk, LeadEventKind.ASSIGNED, stamp, self.actor.pk, "", json.dumps(assigned))
                )
            external = (row_value(p.row, "external_id", "") or "").strip()[:100]
            if external:
                keys.append((ImportTarget.LEADS, external, pk))
            records.append((self.job.pk, "lead", pk, ImportAction.CREATED, None))
        writer = TableWriter(cursor)
        writer.write("sales_lead", LEAD_TABLE_COLUMNS, leads)
        writer.write("sales_leadevent", LEAD_EVENT_COLUMNS, events)
        if keys:
            writer.write("dataio_importedkey", ("target", "key", "lead_id"), keys)
        writer.write("dataio_importrecord", RECORD_COLUMNS, records)
        records_changed("lead", ids, "created", actor=self.actor)
        if assigner is not None:
            assigner.save()
            for lead, owner in follow_ups:
                lead_follow_up_create(lead, owner)
        return len(leads)

    def _update_leads(self, cursor, planned: list[Planned]) -> int:
        """Apply each row's non-empty values to its matched lead, as `lead_update` would: a new
        status clears the disqualification reason and is written to the history, the version
        goes up and the score is recomputed. `before` keeps what was overwritten, for undo."""
        if not planned:
            return 0
        now = timezone.now()
        ids = [p.target_id for p in planned]
        leads = Lead.objects.in_bulk(ids)
        rules = self._scoring_rules()
        interactions: dict[int, int] = {}
        if any(r.kind == ScoringRuleKind.INTERACTIONS_AT_LEAST for r in rules):
            interactions = dict(
                LeadEvent.objects.filter(lead_id__in=ids, kind__in=INTERACTION_KINDS)
                .values("lead_id")
                .annotate(count=Count("pk"))
                .values_list("lead_id", "count")
            )
        changed_leads, records, events, new_keys = [], [], [], []
        changes: list[tuple[int, list[str]]] = []
        fields_changed: set[str] = set()
        applied = 0
        for p in planned:
            lead = leads.get(p.target_id)
            if lead is None or lead.status == LeadStatus.CONVERTED:  # changed since planned
                continue
            before: dict[str, Any] = {"version": lead.version}
            changed: list[str] = []
            old_status = lead.status
            for name, value in self._lead_values(row_fields(p.row)).items():
                if getattr(lead, name) != value:
                    before.setdefault("columns", {})[name] = jsonable(getattr(lead, name))
                    setattr(lead, name, value)
                    changed.append(name)
            if lead.status != old_status and lead.disqualify_reason:
                before["columns"]["disqualify_reason"] = lead.disqualify_reason
                lead.disqualify_reason = ""
                changed.append("disqualify_reason")
            if row_value(p.row, "owner_username") and p.owner != (lead.owner_id, lead.team_id):
                before["owner"] = [lead.owner_id, lead.team_id]
                lead.owner_id, lead.team_id = p.owner
                changed += ["owner", "team"]
            external = (row_value(p.row, "external_id", "") or "").strip()[:100]
            if external:
                new_keys.append(external)
            applied += 1
            if not changed:
                records.append((self.job.pk, "lead", lead.pk, ImportAction.UPDATED, "{}"))
                continue
            if lead.status != old_status:
                events.append(
                    LeadEvent(
                        lead_id=lead.pk,
                        kind=LeadEventKind.STATUS,
                        occurred_at=now,
                        actor_id=self.actor.pk,
                        data={"from": old_status, "to": lead.status},
                    )
                )
            lead.score, lead.score_reasons = lead_score_compute(
                lead, rules, interactions=interactions.get(lead.pk, 0), now=now
            )
            lead.version += 1
            lead.updated_at = now
            changed_leads.append(lead)
            changes.append((lead.pk, changed))
            fields_changed.update(changed)
            records.append((self.job.pk, "lead", lead.pk, ImportAction.UPDATED, json.dumps(before)))
        if changed_leads:
            TableWriter(cursor).update(
                Lead,
                changed_leads,
                sorted({*fields_changed, "version", "updated_at", "score", "score_reasons"}),
            )
        if events:
            LeadEvent.objects.bulk_create(events)
        if new_keys:
            self._add_keys(ImportTarget.LEADS, planned, new_keys)
        if records:
            TableWriter(cursor).write("dataio_importrecord", RECORD_COLUMNS, records)
        announce_updates("lead", changes, self.actor)
        return applied

    # --- Products ---------------------------------------------------------------------------
