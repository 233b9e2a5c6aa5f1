"""A subject access answer as a document a person can read (Markdown): what is held, where, how long."""

from __future__ import annotations

import json
from typing import Any

from bot.services.data_protection import SubjectAccess
from bot.views.text import local_time

#: the columns worth showing first in each row, when the table has them
_FIRST = ("at", "logged_at", "added_at", "created_at", "updated_at", "action", "field", "actor")


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    # one line each, and nothing that Markdown would read as a table or a heading
    return " ".join(text.split()).replace("|", "\\|")


def _row(row: dict[str, Any]) -> str:
    names = [n for n in _FIRST if n in row] + [n for n in row if n not in _FIRST]
    return "; ".join(f"{name}: {_cell(row[name])}" for name in names)


def subject_access_markdown(answer: SubjectAccess) -> str:
    when = f"{local_time(answer.generated_at):%-d %B %Y, %H:%M %Z}"
    lines = [
        f"# What {answer.partnership} holds about Slack user {answer.user_id}",
        "",
        f"Prepared on {when} with `csp-bot privacy export`, in answer to a subject access request "
        "(UK GDPR Article 15). OFFICIAL: this document holds personal data; send it securely and keep "
        "no copy longer than the request needs.",
        "",
    ]
    if not answer.found:
        lines += ["Nothing in the partnership's store holds this Slack user ID.", ""]
    else:
        lines += [
            f"{answer.record_count} records in {len(answer.found)} tables hold this ID:",
            "",
            "| Table | What it is | Records |",
            "|---|---|---|",
        ]
        lines += [f"| `{f.table}` | {f.label} | {len(f.rows)} |" for f in answer.found]
        lines.append("")
        for found in answer.found:
            lines += [f"## {found.label}", "", f"Table `{found.table}`.", ""]
            lines += [f"- {_row(row)}" for row in found.rows]
            lines.append("")
    if answer.erasures:
        lines += ["## Erasure", ""]
        for record in answer.erasures:
            detail = record.get("detail") or {}
            lines.append(
                f"- Erased at {_cell(record['at'])}: the membership was removed and contributions kept "
                f"as the partnership's record under “a former member of {detail.get('org') or 'the partnership'}”."
            )
        lines.append("")
    retention = answer.retention
    lines += [
        "## How long it is kept",
        "",
        f"- Audit trail: {retention['audit']} days, then deleted by the daily purge.",
        f"- Look-ups that found nothing: {retention['glossary_misses']} days after they were last asked.",
        f"- Alerts: {retention['delivered_alerts']} days after they were posted (never while undelivered).",
        "- Membership: until the person leaves and is erased (`csp-bot privacy erase`).",
        "- Achievements, action and risk updates and glossary changes: for the life of the partnership plan, "
        "as its record; on erasure they stay under “a former member of” their organisation.",
        "",
        "The machine-readable copy of the same answer is the JSON file written beside this one.",
        "",
    ]
    return "\n".join(lines)
