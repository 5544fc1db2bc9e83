"""Render a replay report (the JSON document of `replay.replay`) as text or Markdown."""

from __future__ import annotations

from typing import Any

import orjson

from app.policy.replay_schema import check_report

__all__ = ["json_document", "markdown", "text"]


def json_document(report: dict[str, Any]) -> str:
    """The report for CI, checked against its schema (`kordon.replay/v1`) first."""
    check_report(report)
    return orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n"


def _compared_with(report: dict[str, Any]) -> str:
    baseline = report["baseline"]
    if baseline["kind"] == "bundle":
        return f"baseline bundle {baseline['path']} (revision {baseline['revision'] or 'none'})"
    return "the recorded decisions"


def _tenants(by_tenant: dict[str, int]) -> str:
    return ", ".join(f"{tenant} {count}" for tenant, count in by_tenant.items())


def text(report: dict[str, Any]) -> str:
    records, candidate = report["records"], report["candidate"]
    lines = [
        f"candidate {candidate['path']} (revision {candidate['revision'] or 'none'}) "
        f"vs {_compared_with(report)}",
        f"{records['replayed']} replayed ({records['skipped']} skipped), "
        f"{records['changed']} changed, {records['unchanged']} unchanged "
        f"[{report['timing']['decisions_per_s']} decisions/s]",
    ]
    for kind, change in report["changes"].items():
        if not change["count"]:
            continue
        lines.append(f"  {kind}: {change['count']} ({_tenants(change['by_tenant'])})")
        lines.extend(
            f"    {t['change']}: {t['count']}  e.g. {', '.join(t['examples'])}"
            for t in change["transitions"]
        )
        if change["transitions_omitted"]:
            lines.append(f"    … {change['transitions_omitted']} more transitions")
    for gate in report["gates"]:
        if gate["passed"]:
            lines.append(f"gate {gate['name']}: passed")
        else:
            lines.append(
                f"gate {gate['name']}: VIOLATED {gate['count']} times "
                f"({_tenants(gate['by_tenant'])}) e.g. {', '.join(gate['examples'])}"
                f" — {gate['description']}"
            )
    lines.append("replay gate: " + ("passed" if report["passed"] else "FAILED"))
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def _ids(ids: list[str]) -> str:
    return " ".join(f"`{i}`" for i in ids)


def markdown(report: dict[str, Any]) -> str:
    """A summary for a pull request: verdict, gates, then changes by kind."""
    records, candidate = report["records"], report["candidate"]
    verdict = "✅ passed" if report["passed"] else "❌ failed"
    out = [
        f"## Policy replay: {verdict}",
        "",
        f"Candidate `{candidate['revision'] or candidate['path']}` "
        f"against {_compared_with(report)}: "
        f"**{records['replayed']}** decisions replayed, **{records['changed']}** would change "
        f"({records['skipped']} records skipped).",
        "",
    ]
    if report["gates"]:
        out += ["| gate | result | count | by tenant | examples |", "|---|---|---|---|---|"]
        out += [
            f"| `{g['name']}` | {'passed' if g['passed'] else '**violated**'} | {g['count']} "
            f"| {_cell(_tenants(g['by_tenant']))} | {_ids(g['examples'])} |"
            for g in report["gates"]
        ]
        out.append("")
    changed = {kind: c for kind, c in report["changes"].items() if c["count"]}
    if not changed:
        return "\n".join([*out, "No decision would change."]) + "\n"
    out += ["| change | count | by tenant | examples |", "|---|---|---|---|"]
    out += [
        f"| {kind} | {c['count']} | {_cell(_tenants(c['by_tenant']))} | {_ids(c['examples'])} |"
        for kind, c in changed.items()
    ]
    for kind, change in changed.items():
        out += ["", f"<details><summary>{kind}</summary>", "", "| from -> to | count | examples |"]
        out.append("|---|---|---|")
        out += [
            f"| {_cell(t['change'])} | {t['count']} | {_ids(t['examples'])} |"
            for t in change["transitions"]
        ]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
