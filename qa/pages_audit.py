"""The audit dashboard: a project's distributions, coverage, consent, duplicates and warnings, for managers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe

from annotation.models import Role
from annotation.policy import actor, page_project
from annotation.selectors_audit import project_audit
from annotation.services.projects import project_update
from common.errors import DomainError, InvalidInput
from datasets.exports.audit import AuditSettingsError, check_facets, check_thresholds
from qa import plots


def audit_plots(audit: dict[str, Any]) -> dict[str, Any]:
    """One bar chart per track (label shares), per facet (media-time shares), and coverage per track."""
    tracks = [{"name": name, "track": t, "svg": mark_safe(plots.bars_svg(
        [(r["label"], r["share"]) for r in t["labels"]], lo=0.0, hi=1.0, testid=f"labels-{name}",
        title=f"Track {name}: share of its {t['segments']} segments per label"))} for name, t in audit["labels"].items()]
    facets = []
    for key, f in audit["facets"].items():
        by_time = f["duration_ms"] > 0
        facets.append({"key": key, "facet": f, "svg": mark_safe(plots.bars_svg(
            [(r["value"], r["duration_share"] if by_time else r["share"]) for r in f["values"][:30]],
            lo=0.0, hi=1.0, testid=f"facet-{key}",
            title=f"{key}: share of {'media time' if by_time else 'items'} per value"))})
    coverage = mark_safe(plots.bars_svg(
        [(name, c["coverage"]) for name, c in audit["coverage"]["tracks"].items()], lo=0.0, hi=1.0,
        testid="coverage", title="Coverage: labelled time over media time, per track"))
    provenance = mark_safe(plots.bars_svg(
        [(kind, p["share"]) for kind, p in audit["provenance"].items()], lo=0.0, hi=1.0,
        testid="provenance", title="Provenance: share of items"))
    return {"tracks": tracks, "facets": facets, "coverage_svg": coverage, "provenance_svg": provenance}


@login_required
def audit_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    project, role = page_project(request.user, pk, Role.MANAGER)
    audit = project_audit(project)
    return render(request, "qa/audit.html", {"project": project, "role": role, "audit": audit,
                                             "form": settings_form(project), **audit_plots(audit)})


def settings_form(project: Any) -> dict[str, str]:
    """The project's audit settings as the form shows them (percentages)."""
    thresholds = project.audit_thresholds or {}

    def pct(value: Any) -> str:
        return "" if value is None else f"{value * 100:g}"

    facet = thresholds.get("max_facet_share")
    facet_text = ", ".join(f"{k}={pct(v)}" for k, v in facet.items()) if isinstance(facet, dict) else pct(facet)
    return {"require_consent": project.require_consent or "", "audit_facets": ", ".join(project.audit_facets or []),
            "min_label_share": pct(thresholds.get("min_label_share")), "max_facet_share": facet_text,
            "max_synthetic_share": pct(thresholds.get("max_synthetic_share")),
            "min_coverage": pct(thresholds.get("min_coverage"))}


def _percent(raw: str, field: str) -> float | None:
    raw = raw.strip().rstrip("%").strip()
    if not raw:
        return None
    try:
        return float(raw) / 100
    except ValueError:
        raise InvalidInput(f"{field}: write a percentage such as 5 or 30.") from None


def settings_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The project's audit settings from the page's form: percentages, comma-separated keys, key=percent pairs."""
    facets = [k.strip() for k in form.get("audit_facets", "").split(",") if k.strip()]
    thresholds: dict[str, Any] = {}
    for key in ("min_label_share", "max_synthetic_share", "min_coverage"):
        value = _percent(form.get(key, ""), key)
        if value is not None:
            thresholds[key] = value
    facet_limits = form.get("max_facet_share", "").strip()
    if facet_limits and "=" not in facet_limits:
        thresholds["max_facet_share"] = _percent(facet_limits, "max_facet_share")
    elif facet_limits:
        pairs: dict[str, float | None] = {}
        for part in facet_limits.split(","):
            name, _, text = part.partition("=")
            pairs[name.strip()] = _percent(text, f"max_facet_share.{name.strip()}")
        thresholds["max_facet_share"] = pairs
    try:
        checked = {"audit_facets": check_facets(facets), "audit_thresholds": check_thresholds(thresholds)}
    except AuditSettingsError as exc:
        raise InvalidInput(str(exc), field=exc.field) from None
    return {**checked, "require_consent": form.get("require_consent", "").strip() or None}


@login_required
def audit_settings(request: HttpRequest, pk: int) -> HttpResponse:
    project, _ = page_project(request.user, pk, Role.MANAGER)
    if request.method == "POST":
        try:
            project_update(project=project, user=actor(request), data=settings_from_form(request.POST))
            messages.success(request, "Audit settings saved.")
        except DomainError as exc:
            messages.error(request, exc.detail)
    return redirect("project-audit-page", pk=pk)
