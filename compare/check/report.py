"""The report card: one line per check, each failure followed by its diagnoses; and the JSON.

Status ``ok``/``FAIL`` for counted checks, ``note`` for information that never
fails a run (e.g. "backward also updates the weights"). ``rel diff`` is the
compared tensor's ``max|a - b| / max(|a|, |b|)`` against torch ("inf" when the
shape is wrong, "-" when the check is not a tensor comparison).

The card is said in English or Russian (``render(report, "ru")``, ``report.render("ru")``):
the report itself is language-neutral - its sentences remember their templates
(``compare.check.texts``) - so one check can be read in either language; the JSON is English.
"""

from __future__ import annotations

import html
import textwrap

from compare.check.results import Report
from compare.check.texts import TEXT
from compare.language.catalogue import check_lang
from compare.language.numbers import localize
from compare.measure.tolerance import tolerance_for
from compare.present.numbers import fmt
from compare.sandbox.plan import describe

WIDTH = 100


def _wrap(text: str, indent: str, lang: str = "en") -> list[str]:
    # Russian compounds ("кросс-энтропия") stay whole on one line.
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=" " * (len(indent) + 2),
                         break_on_hyphens=lang == "en")


def _t(key: str, lang: str, **values) -> str:
    return TEXT.text(f"report.{key}", lang, **values)


def _number(value, lang: str) -> str:
    """A relative difference as the tables show it (``fmt``: 1.46e-16, 0.3971), in the card's language."""
    return localize(fmt(float(value)), lang)


def render(report: Report, lang: str = "en") -> str:
    """The terminal report card: what the class was understood as, one table per dtype, the verdict."""
    check_lang(lang)
    lines = [f"mlp-parity check {report.target}"]
    for note in report.notes:
        lines += _wrap(TEXT.render(note, lang), "  ", lang)
    lines += _understood(report, lang)
    if report.not_checked is not None and not report.checks:
        return "\n".join(lines + _not_checked(report, lang))
    for dtype in dict.fromkeys(c.dtype for c in report.checks):
        lines += _table(report, dtype, lang)
    if report.not_checked is not None:
        lines += _not_checked(report, lang)
    s = report.summary()
    if _unrun(report):
        return "\n".join(lines + ["", _t("summary_unrun", lang, checks=s["checks"], failed=s["failed"])])
    verdict = _t(f"verdict.{report.status.replace(' ', '_')}", lang)
    lines += ["", _t("summary", lang, checks=s["checks"], failed=s["failed"],
                     worst=_number(s["worst_rel_diff"], lang), verdict=verdict)]
    return "\n".join(lines)


def result_word(status: str, lang: str) -> str:
    """A report's status (passed, failed, not checked) as a word of ``lang``."""
    return _t(f"result.{status.replace(' ', '_')}", lang)


def _unrun(report: Report) -> bool:
    """The class failed to load or to build: nothing was compared with torch."""
    return bool(report.checks) and all(c.kind == "construct" for c in report.checks)


def _understood(report: Report, lang: str) -> list[str]:
    """How the class was driven (the discovered plan) and what it was checked on."""
    if report.plan is None:
        return []
    lines = ["  " + _t("understood", lang) + ":"]
    for line in describe(report.plan):
        lines += _wrap(TEXT.render(line, lang), "    ", lang)
    return lines + ["  " + line for line in _checked_on(report, lang)]


def _checked_on(report: Report, lang: str) -> list[str]:
    """The torch network and the batch the class was compared on (the options that shape the verdict)."""
    cfg = report.config
    sizes = "-".join(map(str, report.sizes)) if report.sizes else "?"
    network = _t("network" if report.plan["bias"] else "network_no_bias", lang, sizes=sizes,
                 activation=cfg.activation, output=cfg.output_activation, loss=cfg.loss, seed=cfg.seed)
    return [network, _t("batch", lang, lr=cfg.lr, epochs=cfg.epochs)]


def _table(report: Report, dtype: str, lang: str) -> list[str]:
    """The checks of one dtype: name, status, relative difference, and the findings under each."""
    checks = [c for c in report.checks if c.dtype == dtype]
    names = [TEXT.render(c.name, lang) for c in checks]
    statuses = [_t(f"status.{c.status}", lang) for c in checks]
    head = [_t("column.check", lang), _t("column.status", lang), _t("column.rel", lang)]
    width = max(len(n) for n in names + head[:1])
    status_width = max(len(s) for s in statuses + head[1:2])
    lines = ["", f"{dtype} {_t('tolerance', lang, tolerance=tolerance_for(dtype).step)}",
             f"  {head[0].ljust(width)}  {head[1].ljust(status_width)}  {head[2]}",
             f"  {'-' * width}  {'-' * status_width}  {'-' * len(head[2])}"]
    for c, name, status in zip(checks, names, statuses):
        rel = "-" if c.rel is None else _number(c.rel, lang)
        lines.append(f"  {name.ljust(width)}  {status.ljust(status_width)}  {rel}")
        for finding in c.findings:
            lines += _wrap(finding.say(lang), "      - ", lang)
    overview = report.overview.get(dtype, [])
    if overview:
        lines.append("  " + _t("overview", lang) + ":")
        for finding in overview:
            lines += _wrap(finding.say(lang), "    * ", lang)
    return lines


def _not_checked(report: Report, lang: str) -> list[str]:
    lines = ["", _t("not_checked_partly" if report.checks else "not_checked", lang)]
    reason, fix = (TEXT.render(report.not_checked[key], lang) for key in ("reason", "fix"))
    lines += _wrap(_t("not_understood", lang, reason=reason), "  ", lang)
    lines += _wrap(_t("would_help", lang, fix=fix), "  ", lang)
    return lines


def to_json(report: Report) -> dict:
    """The object ``--json`` writes; top-level ``summary`` as every command's."""
    return report.to_dict()


_STATUS_STYLE = {"ok": "color:#1a7f37", "FAIL": "color:#cf222e;font-weight:bold", "note": "color:#6e7781"}
_VERDICT_STYLE = {"passed": "#1a7f37", "failed": "#cf222e", "not checked": "#9a6700"}


def to_html(report: Report, lang: str = "en") -> str:
    """The report card as HTML (what Jupyter shows for a Report): the same content as :func:`render`."""
    check_lang(lang)
    e = html.escape
    s = report.summary()
    color = _VERDICT_STYLE[report.status]
    status = result_word(report.status, lang)
    counts = _t("summary_unrun", lang, checks=s["checks"], failed=s["failed"]) if _unrun(report) else \
        _t("html.counts", lang, checks=s["checks"], failed=s["failed"], worst=_number(s["worst_rel_diff"], lang))
    parts = [f"<div class='mlp-parity-check'><p><b>mlp-parity check</b> <code>{e(report.target)}</code>: "
             f"<b style='color:{color}'>{e(status)}</b> ({e(counts)})</p>"]
    notes = list(report.notes) + (describe(report.plan) if report.plan is not None else [])
    if notes:
        parts.append(f"<details><summary>{e(_t('understood', lang))}</summary><ul>" +
                     "".join(f"<li>{e(TEXT.render(line, lang))}</li>" for line in notes) + "</ul></details>")
    if report.plan is not None:
        parts.append(f"<p>{'<br>'.join(e(line) for line in _checked_on(report, lang))}</p>")
    head = "".join(f"<th>{e(_t(f'column.{key}', lang))}</th>" for key in ("check", "status", "rel", "findings"))
    for dtype in dict.fromkeys(c.dtype for c in report.checks):
        rows = []
        for c in (c for c in report.checks if c.dtype == dtype):
            rel = "-" if c.rel is None else _number(c.rel, lang)
            findings = "".join(f"<li>{e(f.say(lang))}</li>" for f in c.findings)
            rows.append(f"<tr><td>{e(TEXT.render(c.name, lang))}</td><td style='{_STATUS_STYLE[c.status]}'>"
                        f"{e(_t(f'status.{c.status}', lang))}</td><td>{e(rel)}</td>"
                        f"<td><ul style='margin:0'>{findings}</ul></td></tr>")
        overview = "".join(f"<li>{e(f.say(lang))}</li>" for f in report.overview.get(dtype, []))
        parts.append(f"<p><b>{dtype}</b> {e(_t('tolerance', lang, tolerance=tolerance_for(dtype).step))}</p>"
                     f"<table><tr>{head}</tr>{''.join(rows)}</table>" + (f"<ul>{overview}</ul>" if overview else ""))
    if report.not_checked is not None:
        reason, fix = (TEXT.render(report.not_checked[k], lang) for k in ("reason", "fix"))
        parts.append(f"<p><b>{e(_t('result.not_checked', lang))}</b>: {e(reason)}<br>"
                     f"{e(_t('would_help', lang, fix=fix))}</p>")
    return "".join(parts) + "</div>"


# Jupyter shows a Report as its HTML card (the result type stays free of presentation code); the card in
# another language: ``report.render("ru")``, ``IPython.display.HTML(report.to_html("ru"))``.
Report._repr_html_ = to_html
Report.render = render
Report.to_html = to_html
