"""html: one self-contained page (no network: inline style and script, a CSP that forbids fetching)
with an interactive timeline: a waterfall of every event, filter by module text (or status word),
kind, the standard library and problems, zoom to an event, click or use the keyboard for its details.
"Problems" are failures, unfinished and unobserved loads, and the program's own circular imports:
those inside installed packages are counted, not listed (see ``_subtrees.cycle_scope``).

Safety: the events travel as JSON inside a script element with ``<``, ``>`` and ``&`` written as
``\\u003c``-style escapes, and the page script puts text into the page only with ``textContent``;
everything written into the HTML itself goes through ``html.escape``.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from ..filters._filters import nesting
from ..filters._kinds import OWN, ModuleKinds
from ..filters._subtrees import cycle_scope
from ..trace._anyevent import AnyEvent
from ..trace._event import KINDS
from ..trace._trace import Trace
from ._describe import Facts, counts
from ._notes import note_text
from ._text import esc, ms, plural, took


def render(trace: Trace, options: dict[str, Any]) -> str:
    facts = Facts(trace)
    kinds = ModuleKinds(trace)
    levels = nesting(trace) if trace.events else {}
    rows = []
    kind_index = {k: i for i, k in enumerate(KINDS)}
    theirs = 0  # circular imports inside installed packages or the standard library

    def problem(e: AnyEvent, status: tuple[str, str] | None) -> bool:
        nonlocal theirs
        target = facts.cycle(e)
        if target is not None and cycle_scope(kinds, e, target) != OWN:
            theirs += 1
            return False
        return status is not None

    for e in trace.events:
        status = facts.status(e)
        rows.append(
            [
                e.id,
                kind_index.get(e.kind, 0),
                esc(e.name),
                e.start,
                e.duration,
                levels.get(e.id, 0),
                e.thread,
                status[0] if status else "",
                "".join(p for p, _ in facts.details(e)),
                took(e.duration),
                e.count if e.kind == "hit" else 1,
                facts.path(e.where) if e.where else "",
                1 if kinds.stdlib(e.name) else 0,
                1 if problem(e, status) else 0,
            ]
        )
    header = trace.header
    data = {"kinds": list(KINDS), "duration": trace.duration, "events": rows}
    payload = (
        json.dumps(data, ensure_ascii=True, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    from ..rules._diff import describe_program

    facts_list = [
        ("Python", header.get("python")),
        ("Command", describe_program(header) or " ".join(str(a) for a in header.get("argv") or ()) or None),
        ("Directory", header.get("cwd")),
        ("Duration", "%s ms" % ms(trace.duration)),
    ]
    items = "".join("<dt>%s</dt><dd>%s</dd>" % (escape(k), escape(esc(str(v)))) for k, v in facts_list if v is not None)
    problems = [
        e for e, row in zip(trace.events, rows) if row[13] and (e.failed or e.kind != "hit" or row[7] == "CYCLE")
    ]
    problem_items = "".join(
        "<li><strong>%s</strong> %s%s: %s</li>"
        % (
            escape(e.kind),
            escape(esc(e.name)),
            " CYCLE" if e.kind == "hit" and facts.cycle(e) else "",
            escape("".join(p for p, _ in facts.details(e))),
        )
        for e in problems[:200]
    )
    if len(problems) > 200:
        problem_items += "<li>... and %d more</li>" % (len(problems) - 200)
    if theirs:
        problem_items += "<li>and %s inside installed packages and the standard library, not listed</li>" % escape(
            plural(theirs, "circular import")
        )
    notes = "".join(
        "<li>[%s] %s</li>" % (escape(esc(str(n.get("code", "")))), escape(esc(note_text(n)))) for n in trace.notes
    )
    parts = {
        "SUMMARY": escape(counts(trace, facts.cycles)) if trace.events else "no events",
        "FACTS": items,
        "PROBLEMS": "<h2>Problems</h2><ul>%s</ul>" % problem_items if problem_items else "",
        "NOTES": "<h2>Notes</h2><ul>%s</ul>" % notes if notes else "",
        "DATA": payload,
    }
    return _SLOT.sub(lambda m: parts[m.group(1)], _PAGE)  # one pass: inserted text is never searched again


_SLOT = re.compile("@(SUMMARY|FACTS|PROBLEMS|NOTES|DATA)@")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
  content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>importtrace timeline</title>
<style>
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fff; }
header { padding: 8px 14px; border-bottom: 1px solid #ddd; }
h1 { font-size: 16px; margin: 0 0 4px; } h2 { font-size: 14px; margin: 10px 0 4px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0 10px; margin: 4px 0; }
dt { color: #666; } dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
#controls { padding: 6px 14px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap;
  border-bottom: 1px solid #ddd; background: #f7f7f7; position: sticky; top: 0; z-index: 2; }
#view { position: relative; height: 60vh; overflow-y: auto; font-family: ui-monospace, monospace; font-size: 12px; }
#rows { position: relative; }
.row { position: absolute; left: 0; right: 0; height: 18px; white-space: nowrap; display: flex; cursor: pointer; }
.row:hover { background: #f0f4ff; } .row.sel { background: #dde6ff; }
.text { width: 55%; overflow: hidden; text-overflow: ellipsis; padding-left: 6px; }
#view:focus { outline: 2px solid #2b55c5; outline-offset: -2px; }
.lvl { color: #999; }
@media (max-width: 700px) { .text { width: 100%; } .lane { display: none; } .d { display: none; } }
.lane { position: relative; flex: 1; border-left: 1px solid #eee; }
.bar { position: absolute; top: 4px; height: 10px; min-width: 1px; border-radius: 2px; }
.tick { position: absolute; top: 2px; width: 2px; height: 14px; }
.k0 { color: #0a7d8c; } .k1 { color: #1b7f1b; } .k2 { color: #2b55c5; } .k3 { color: #9b2fae; }
.b0 { background: #7cc8d2; } .b1 { background: #7fc97f; } .b2 { background: #2b55c5; } .b3 { background: #9b2fae; }
.bad { color: #c00; font-weight: bold; } .badbar { background: #e33 !important; }
.t { color: #777; display: inline-block; width: 9ch; text-align: right; margin-right: 1ch; }
.d { color: #555; margin-left: 1ch; }
#details { padding: 8px 14px; border-top: 1px solid #ddd; font-family: ui-monospace, monospace;
  white-space: pre-wrap; min-height: 3em; }
#info { padding: 0 14px; }
</style>
</head>
<body>
<header>
<h1>importtrace timeline</h1>
<div>@SUMMARY@</div>
<dl>@FACTS@</dl>
</header>
<div id="controls">
<label>Module <input id="q" type="search" placeholder="name or text"></label>
<span id="kinds"></span>
<label><input id="stdlib" type="checkbox" checked> standard library</label>
<label><input id="problems" type="checkbox"> problems only</label>
<button id="zoom" disabled>Zoom to selection</button> <button id="reset">Reset zoom</button>
<span id="count"></span>
</div>
<div id="view" tabindex="0" role="listbox"
  aria-label="events (up and down arrows to move, Enter to zoom, Escape to reset)"><div id="rows"></div></div>
<div id="details" aria-live="polite">Click an event, or use the arrow keys in the list, to see its details.</div>
<div id="info">@PROBLEMS@@NOTES@</div>
<noscript><p>The timeline needs JavaScript; the summary above does not.</p></noscript>
<script type="application/json" id="data">@DATA@</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const KINDS = DATA.kinds, EVENTS = DATA.events, ROW = 18, MAXINDENT = 8;
const view = document.getElementById("view"), rowsEl = document.getElementById("rows");
const shownKinds = new Set(KINDS);
let shown = EVENTS, selected = null, t0 = 0, t1 = Math.max(DATA.duration, 1);
for (const e of EVENTS) { if (e[3] + (e[4] || 0) > t1) t1 = e[3] + (e[4] || 0); }
const full = [0, t1];
function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}
const kindsEl = document.getElementById("kinds");
KINDS.forEach(function (k) {
  const label = el("label", "k" + KINDS.indexOf(k));
  const box = el("input"); box.type = "checkbox"; box.checked = true;
  box.addEventListener("change", function () {
    if (box.checked) shownKinds.add(k); else shownKinds.delete(k);
    apply();
  });
  label.appendChild(box); label.appendChild(document.createTextNode(" " + k + " "));
  kindsEl.appendChild(label);
});
function apply() {
  const q = document.getElementById("q").value.toLowerCase();
  const problems = document.getElementById("problems").checked;
  const stdlib = document.getElementById("stdlib").checked;
  shown = EVENTS.filter(function (e) {
    if (!shownKinds.has(KINDS[e[1]])) return false;
    if (problems && !e[13]) return false;
    if (!stdlib && e[12]) return false;
    return !q || e[2].toLowerCase().indexOf(q) >= 0 || e[8].toLowerCase().indexOf(q) >= 0 ||
      e[7].toLowerCase().indexOf(q) >= 0;
  });
  document.getElementById("count").textContent = shown.length + " of " + EVENTS.length + " events";
  rowsEl.style.height = (shown.length * ROW) + "px";
  draw();
}
function draw() {
  const first = Math.max(0, Math.floor(view.scrollTop / ROW) - 5);
  const last = Math.min(shown.length, first + Math.ceil(view.clientHeight / ROW) + 10);
  rowsEl.textContent = "";
  const span = Math.max(t1 - t0, 1);
  for (let i = first; i < last; i++) {
    const e = shown[i], kind = e[1];
    const row = el("div", "row" + (selected === e ? " sel" : ""));
    row.style.top = (i * ROW) + "px";
    row.id = "ev" + e[0];
    row.setAttribute("role", "option");
    row.setAttribute("aria-selected", selected === e ? "true" : "false");
    const text = el("div", "text");
    text.appendChild(el("span", "t", (e[3] / 1e6).toFixed(3)));
    text.appendChild(el("span", "k" + kind, KINDS[kind].padEnd(7, "\\u00a0")));
    if (e[5] > MAXINDENT) text.appendChild(el("span", "lvl", e[5] + "> "));
    const indent = "\\u00a0".repeat(2 * Math.min(e[5], MAXINDENT));
    text.appendChild(el("span", "", indent + e[2] + (e[10] > 1 ? " x" + e[10] : "")));
    if (e[7]) text.appendChild(el("span", "bad", " " + e[7]));
    text.appendChild(el("span", "d", e[9] + "  " + e[8]));
    row.appendChild(text);
    const lane = el("div", "lane");
    const left = (e[3] - t0) / span * 100;
    if (e[4] === null || kind >= 2) {
      const tick = el("div", "tick b" + kind + (e[7] ? " badbar" : ""));
      tick.style.left = left + "%";
      if (left >= 0 && left <= 100) lane.appendChild(tick);
    } else {
      const bar = el("div", "bar b" + kind + (e[7] ? " badbar" : ""));
      const width = e[4] / span * 100;
      if (left + width >= 0 && left <= 100) {
        bar.style.left = Math.max(left, 0) + "%";
        bar.style.width = Math.max(Math.min(width + Math.min(left, 0), 100 - Math.max(left, 0)), 0.05) + "%";
        lane.appendChild(bar);
      }
    }
    row.appendChild(lane);
    row.addEventListener("click", function () { select(e); view.focus(); });
    rowsEl.appendChild(row);
  }
}
function select(e) {
  selected = e;
  view.setAttribute("aria-activedescendant", "ev" + e[0]);
  const lines = [
    KINDS[e[1]] + " " + e[2] + (e[7] ? "  " + e[7] : ""),
    "started " + (e[3] / 1e6).toFixed(3) + " ms, took " + e[9] + (e[10] > 1 ? ", " + e[10] + " times" : ""),
    e[8],
  ];
  if (e[11]) lines.push("at " + e[11]);
  lines.push("event #" + e[0] + ", thread " + e[6] + ", nesting level " + e[5]);
  document.getElementById("details").textContent = lines.join("\\n");
  document.getElementById("zoom").disabled = e[4] === null;
  draw();
}
document.getElementById("zoom").addEventListener("click", function () {
  if (selected && selected[4] !== null) { t0 = selected[3]; t1 = selected[3] + Math.max(selected[4], 1); draw(); }
});
document.getElementById("reset").addEventListener("click", function () { t0 = full[0]; t1 = full[1]; draw(); });
document.getElementById("q").addEventListener("input", apply);
document.getElementById("problems").addEventListener("change", apply);
document.getElementById("stdlib").addEventListener("change", apply);
view.addEventListener("scroll", draw);
view.addEventListener("keydown", function (ev) {
  const page = Math.max(1, Math.floor(view.clientHeight / ROW) - 1);
  const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
  if (ev.key in moves && shown.length) {
    const at = selected === null ? -1 : shown.indexOf(selected);
    const to = Math.max(0, Math.min(shown.length - 1, at < 0 && moves[ev.key] < 0 ? 0 : at + moves[ev.key]));
    if (to * ROW < view.scrollTop) view.scrollTop = to * ROW;
    else if ((to + 1) * ROW > view.scrollTop + view.clientHeight) view.scrollTop = (to + 1) * ROW - view.clientHeight;
    select(shown[to]);
  } else if (ev.key === "Enter") {
    document.getElementById("zoom").click();
  } else if (ev.key === "Escape") {
    document.getElementById("reset").click();
  } else {
    return;
  }
  ev.preventDefault();
});
window.addEventListener("resize", draw);
apply();
</script>
</body>
</html>
"""
