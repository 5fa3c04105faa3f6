"""The HTML report's page, CSS and JavaScript, as Python strings (no package-data file to ship).

Placeholders are ``@@NAME@@`` and are filled in one pass (``harness.reporting.report.fill``), so text that
comes from runs can never be re-read as a placeholder. The script never uses innerHTML with data:
every sample string reaches the page through ``textContent`` or ``new Option``; the sample data
itself arrives as JSON in a ``type="application/json"`` block, which the browser never executes.
"""

CSS = """
:root { --fg:#1d2330; --muted:#5f6b7a; --line:#d8dee6; --bg:#f6f8fa; --accent:#8a1c1c; --blue:#1f4e8c; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:#fff; }
header { padding:18px 28px; background:var(--fg); color:#fff; }
header h1 { margin:0 0 4px; font-size:20px; }
header p { margin:0; color:#c9d1db; }
nav { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--line); padding:8px 28px; }
nav a { margin-right:16px; color:var(--blue); text-decoration:none; font-weight:600; }
main { padding:8px 28px 40px; }
section { margin:26px 0; }
h2 { font-size:18px; border-bottom:2px solid var(--fg); padding-bottom:4px; }
.scroll { overflow-x:auto; max-width:100%; }
table.results, table.runs { border-collapse:collapse; margin:10px 0 4px; font-size:13px; }
table.results caption { text-align:left; font-weight:600; padding:4px 0; }
table.results th, table.results td, table.runs th, table.runs td { padding:3px 9px; border-bottom:1px solid var(--line); white-space:nowrap; }
table.results thead th { background:var(--bg); text-align:center; border-bottom:1px solid #b9c2cc; }
table.results tbody th { text-align:left; font-weight:normal; }
table.results td { text-align:right; font-variant-numeric:tabular-nums; }
table.results td.best { font-weight:700; color:var(--accent); }
table.results td.absent { color:#9aa5b1; text-align:center; }
table.results td.group { border-left:1px solid #b9c2cc; }
details.long > summary { cursor:pointer; font-weight:600; margin:10px 0 4px; }
table.runs th { background:var(--bg); text-align:left; }
p.note { color:var(--muted); font-size:12px; margin:2px 0 10px; }
.plots { display:flex; flex-wrap:wrap; gap:18px; }
.plots figure { margin:0; border:1px solid var(--line); border-radius:6px; padding:8px; background:#fff; }
.plots img { max-width:100%; height:auto; display:block; }
.plots figcaption { color:var(--muted); font-size:12px; }
.filters { display:flex; flex-wrap:wrap; gap:12px; align-items:end; padding:10px 12px; background:var(--bg); border:1px solid var(--line); border-radius:6px; }
.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
.filters select { margin-top:2px; min-width:150px; padding:3px; }
#count { font-weight:600; margin:10px 0; }
article.sample { border:1px solid var(--line); border-left:4px solid var(--blue); border-radius:6px; padding:8px 12px; margin:10px 0; }
article.sample.type-reasoning { border-left-color:var(--accent); }
article.sample .head { font-weight:600; margin-bottom:4px; }
article.sample .status-unscorable, article.sample .status-failed { color:#b35c00; }
article.sample dl { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:6px 0; }
article.sample dt { color:var(--muted); }
article.sample dd { margin:0; white-space:pre-wrap; word-break:break-word; }
article.sample pre { white-space:pre-wrap; word-break:break-word; background:var(--bg); padding:6px 8px; border-radius:4px; margin:4px 0; max-height:360px; overflow:auto; }
.chip { display:inline-block; background:#fbe9e9; color:var(--accent); border-radius:10px; padding:0 8px; margin:1px 4px 1px 0; font-size:12px; }
.chip.quiet { background:#eef1f4; color:var(--muted); }
button#more { margin:8px 0; padding:6px 14px; }
mark.inserted { background:#fff1c2; color:#5a4100; border:1px dashed #c79a00; border-radius:3px; padding:0 2px; }
.inserted-label { display:inline-block; background:#c79a00; color:#fff; font-size:11px; border-radius:3px; padding:0 4px; margin-right:3px; }
.legend-inserted { font-size:12px; color:var(--muted); margin:4px 0; }
ol.candidates li.chosen { font-weight:600; }
ol.candidates li.chosen::after { content:"  \\2190 chosen"; color:var(--accent); }
.pair { display:grid; grid-template-columns:1fr 1fr; gap:10px; }
.pair > div { border:1px solid var(--line); border-radius:6px; padding:6px 10px; }
.pair > div.winner { border-color:#4c9a5c; background:#f3faf4; }
.pair > div.loser { border-color:#c98b8b; background:#fdf5f5; }
article.disagreement { border:1px solid var(--line); border-radius:6px; padding:8px 12px; margin:10px 0; }
"""

JS = """
(function () {
  "use strict";
  var PAGE = 50;
  var data = JSON.parse(document.getElementById("sample-data").textContent);
  var runs = data.runs, samples = data.samples, shown = PAGE;
  var filters = { task: "task", model: "model", setting: "setting", method: "method", tag: "tag" };

  function runOf(s) { return runs[s.run]; }
  function tagsOf(s) {
    var out = [];
    Object.keys(s.tags || {}).forEach(function (analyzer) {
      var entry = s.tags[analyzer] || {};
      (entry.tags || []).forEach(function (t) { if (out.indexOf(t) < 0) { out.push(t); } });
    });
    return out;
  }
  function fill(id, values, anyLabel, onChange) {
    var select = document.getElementById("filter-" + id);
    select.appendChild(new Option(anyLabel, ""));
    values.forEach(function (v) { select.appendChild(new Option(v, v)); });
    select.addEventListener("change", onChange || function () { shown = PAGE; render(); });
  }
  function unique(list) {
    var seen = {}, out = [];
    list.forEach(function (v) { if (!Object.prototype.hasOwnProperty.call(seen, v)) { seen[v] = 1; out.push(v); } });
    return out.sort();
  }
  function value(id) { return document.getElementById("filter-" + id).value; }
  function matches(s) {
    var r = runOf(s), tag = value("tag"), tags = tagsOf(s);
    if (value("task") && r.task !== value("task")) { return false; }
    if (value("model") && r.model !== value("model")) { return false; }
    if (value("setting") && r.setting !== value("setting")) { return false; }
    if (value("method") && r.method !== value("method")) { return false; }
    if (tag === "(untagged)") { return tags.length === 0; }
    return !tag || tags.indexOf(tag) >= 0;
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function row(dl, label, text) {
    dl.appendChild(el("dt", label));
    dl.appendChild(el("dd", text === null || text === undefined || text === "" ? "\\u2014" : text));
  }
  function metricText(m) {
    var keys = Object.keys(m || {});
    return keys.length ? keys.map(function (k) { return k + " " + Number(m[k]).toFixed(4); }).join("  \\u00b7  ") : "";
  }
  function folded(summary, text) {
    var d = el("details"), pre = el("pre", text);
    d.appendChild(el("summary", summary));
    d.appendChild(pre);
    return d;
  }
  function card(s) {
    var r = runOf(s), art = el("article", null, "sample type-" + r.type);
    art.dataset.model = r.model;
    art.dataset.task = r.task;
    art.appendChild(el("div", r.task + " \\u00b7 " + r.model + " (" + r.type + ") \\u00b7 " + r.setting + " \\u00b7 " +
      r.method + " \\u00b7 " + s.id, "head"));
    var st = el("span", "status: " + s.status + (s.truncated ? " (truncated)" : ""), "status-" + s.status);
    art.appendChild(st);
    art.appendChild(folded("Prompt (" + (s.prompt || "").length + " characters)", s.prompt || ""));
    var h = s.harness || {};
    if (s.reasoning !== null && s.reasoning !== undefined) {
      art.appendChild(folded("Reasoning trace (" + (s.reasoning_tokens === null ? "?" : s.reasoning_tokens) + " tokens)", s.reasoning));
    }
    if ((h.inserted || []).length && s.raw_output) {
      art.appendChild(marked(s.raw_output, h.inserted));
    }
    var dl = el("dl");
    row(dl, "Retrieved items", (s.retrieved_ids || []).join(", "));
    row(dl, "Answer", s.answer);
    row(dl, "Gold", s.gold);
    row(dl, "Strict pred", s.strict_pred);
    row(dl, "Lenient pred", s.lenient_pred);
    row(dl, "Metrics (strict)", metricText(s.metrics));
    row(dl, "Metrics (lenient)", metricText(s.lenient_metrics));
    row(dl, "Tokens", "prompt " + s.prompt_tokens + " \\u00b7 reasoning " + s.reasoning_tokens + " \\u00b7 answer " + s.answer_tokens +
      (h.token_parts ? " \\u00b7 inserted by the harness " + h.token_parts.inserted : ""));
    if (h.trace_closed_by) { row(dl, "Trace closed by", h.trace_closed_by); }
    if (s.finish_reason) { row(dl, "Finish reason", s.finish_reason); }
    if ((h.interventions || []).length) { row(dl, "Interventions", interventionText(h.interventions)); }
    art.appendChild(dl);
    if ((h.candidates || []).length) { art.appendChild(candidateList(h)); }
    var tagBox = el("div");
    Object.keys(s.tags || {}).forEach(function (analyzer) {
      var entry = s.tags[analyzer] || {}, names = entry.tags || [];
      if (entry.na) {
        tagBox.appendChild(el("span", analyzer + ": does not apply" + ((entry.evidence || []).length ? " (" + entry.evidence[0] + ")" : ""), "chip quiet"));
        return;
      }
      var score = (!names.length || entry.score === undefined || entry.score === null) ? "" : " (" + Number(entry.score).toFixed(2) + ")";
      tagBox.appendChild(el("span", analyzer + ": " + (names.length ? names.join(", ") : "no tag") + score,
        names.length ? "chip" : "chip quiet"));
      if (names.length && (entry.evidence || []).length) {
        tagBox.appendChild(folded("evidence: " + analyzer, entry.evidence.map(function (e) {
          return typeof e === "string" ? e : JSON.stringify(e);
        }).join("\\n")));
      }
    });
    art.appendChild(tagBox);
    return art;
  }
  function marked(text, spans) {
    var d = el("details"), pre = el("pre");
    d.className = "harness-output";
    d.appendChild(el("summary", "Output as generated, harness insertions marked (" + spans.length + ")"));
    d.appendChild(el("div", "Highlighted: text the harness wrote into the trace, with the reason; everything else the model wrote.", "legend-inserted"));
    var at = 0;
    spans.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (sp) {
      if (sp.start > at) { pre.appendChild(document.createTextNode(text.slice(at, sp.start))); }
      var m = el("mark", null, "inserted");
      m.dataset.reason = sp.reason;
      m.dataset.kind = sp.kind;
      m.appendChild(el("span", "harness \u00b7 " + sp.kind + " \u00b7 " + sp.reason, "inserted-label"));
      m.appendChild(document.createTextNode(text.slice(Math.max(sp.start, at), sp.end)));
      pre.appendChild(m);
      at = Math.max(at, sp.end);
    });
    if (at < text.length) { pre.appendChild(document.createTextNode(text.slice(at))); }
    d.appendChild(pre);
    return d;
  }
  function interventionText(list) {
    return list.map(function (iv, i) {
      var parts = [(i + 1) + ". " + iv.reason + (iv.candidate !== undefined ? " (candidate " + (iv.candidate + 1) + ")" : "")];
      if (iv.detail) { parts.push(JSON.stringify(iv.detail)); }
      if (iv.removed) { parts.push("rolled back: " + JSON.stringify(iv.removed.slice(0, 160))); }
      parts.push("inserted: " + JSON.stringify(iv.inserted));
      return parts.join(" \u00b7 ");
    }).join("\\n");
  }
  function candidateList(h) {
    var box = el("div"), chosen = h.chosen ? h.chosen.index : null, ol = el("ol", null, "candidates");
    box.appendChild(el("div", "Self-referencing candidates (" + (h.consolidation || "?") + ")" +
      (chosen === null || chosen === undefined ? ": the consolidation wrote its own answer" : "") +
      (h.consolidation_skipped ? " \u00b7 consolidation skipped: " + h.consolidation_skipped : ""), "head"));
    h.candidates.forEach(function (c, i) {
      var li = el("li", "seed " + c.seed + ": " + (c.answer === null ? "(no answer)" : c.answer) +
        " \u00b7 " + c.generated_tokens + " tokens" + (c.n_interventions ? " \u00b7 " + c.n_interventions + " interventions" : ""));
      if (i === chosen) { li.className = "chosen"; }
      ol.appendChild(li);
    });
    box.appendChild(ol);
    if (h.chosen && h.chosen.fallback) { box.appendChild(el("div", "fallback: " + h.chosen.fallback, "note")); }
    return box;
  }
  function render() {
    var box = document.getElementById("samples"), hits = samples.filter(matches);
    box.replaceChildren();
    hits.slice(0, shown).forEach(function (s) { box.appendChild(card(s)); });
    document.getElementById("count").textContent = hits.length + " of " + samples.length + " samples match" +
      (hits.length > shown ? " (showing the first " + shown + ")" : "");
    document.getElementById("more").hidden = hits.length <= shown;
  }
  fill("task", unique(runs.map(function (r) { return r.task; })), "all tasks");
  fill("model", unique(runs.map(function (r) { return r.model; })), "all models");
  fill("setting", unique(runs.map(function (r) { return r.setting; })), "all retrieval settings");
  fill("method", unique(runs.map(function (r) { return r.method; })), "all methods");
  var tags = [];
  samples.forEach(function (s) { tags = tags.concat(tagsOf(s)); });
  fill("tag", unique(tags).concat(["(untagged)"]), "any or no tag");
  document.getElementById("more").addEventListener("click", function () { shown += PAGE; render(); });
  render();

  var pairs = data.disagreements || [];
  function pairName(d) { return d.reasoning_model + " vs " + d.general_model; }
  function dv(id) { return document.getElementById("filter-d-" + id).value; }
  function loserTags(d) {
    var out = [];
    d.loser_tags.forEach(function (t) { t.tags.forEach(function (x) { if (out.indexOf(x) < 0) { out.push(x); } }); });
    return out;
  }
  function dMatches(d) {
    return (!dv("pair") || pairName(d) === dv("pair")) && (!dv("task") || d.task === dv("task")) &&
      (!dv("setting") || d.setting === dv("setting")) && (!dv("method") || d.method === dv("method")) &&
      (!dv("winner") || d.winner === dv("winner")) && (!dv("tag") || loserTags(d).indexOf(dv("tag")) >= 0);
  }
  function sideBox(d, side) {
    var model = side === "reasoning" ? d.reasoning_model : d.general_model, x = d[side];
    var box = el("div", null, d.winner === side ? "winner" : "loser");
    box.appendChild(el("div", (d.winner === side ? "right: " : "wrong: ") + model + " (" + side + ")", "head"));
    var dl = el("dl");
    row(dl, "Answer", x.answer);
    row(dl, d.metric, Number(x.value).toFixed(4));
    if (side === "reasoning") { row(dl, "Reasoning tokens", x.reasoning_tokens); }
    box.appendChild(dl);
    if (d.winner !== side) {
      d.loser_tags.forEach(function (t) {
        box.appendChild(el("span", t.analyzer + ": " + t.tags.join(", "), "chip"));
        if (t.evidence.length) { box.appendChild(folded("evidence: " + t.analyzer, t.evidence.join("\\n"))); }
      });
      if (!d.loser_tags.length) { box.appendChild(el("span", "no failure tag", "chip quiet")); }
    }
    return box;
  }
  function renderPairs() {
    var box = document.getElementById("disagreements"), hits = pairs.filter(dMatches);
    box.replaceChildren();
    hits.slice(0, 100).forEach(function (d) {
      var art = el("article", null, "disagreement");
      art.dataset.winner = d.winner;
      art.appendChild(el("div", d.task + " \u00b7 " + d.setting + " \u00b7 " + d.method + " \u00b7 " + d.id + " \u00b7 gold: " + d.reasoning.gold, "head"));
      var grid = el("div", null, "pair");
      grid.appendChild(sideBox(d, "reasoning"));
      grid.appendChild(sideBox(d, "general"));
      art.appendChild(grid);
      box.appendChild(art);
    });
    var won = hits.filter(function (d) { return d.winner === "reasoning"; }).length;
    document.getElementById("d-count").textContent = hits.length + " of " + pairs.length + " disagreements match (reasoning right: " +
      won + ", general right: " + (hits.length - won) + ")" + (hits.length > 100 ? "; showing the first 100" : "");
  }
  fill("d-pair", unique(pairs.map(pairName)), "all pairs", renderPairs);
  fill("d-task", unique(pairs.map(function (d) { return d.task; })), "all tasks", renderPairs);
  fill("d-setting", unique(pairs.map(function (d) { return d.setting; })), "all retrieval settings", renderPairs);
  fill("d-method", unique(pairs.map(function (d) { return d.method; })), "all methods", renderPairs);
  fill("d-winner", ["reasoning", "general"], "either side right", renderPairs);
  var lost = [];
  pairs.forEach(function (d) { lost = lost.concat(loserTags(d)); });
  fill("d-tag", unique(lost), "any loser tag", renderPairs);
  renderPairs();
})();
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src '@@SCRIPT_HASH@@'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>reaper report</title>
<style>@@CSS@@</style>
</head>
<body>
<header><h1>reaper report</h1><p>@@SUBTITLE@@</p></header>
<nav><a href="#tables">Tables</a><a href="#plots">Plots</a><a href="#pairs">Disagreements</a><a href="#browser">Samples</a><a href="#runs">Runs</a></nav>
<main>
<section id="tables"><h2>Tables</h2>@@TABLES@@</section>
<section id="plots"><h2>Plots</h2><div class="plots">@@PLOTS@@</div></section>
<section id="pairs"><h2>Paired disagreements</h2>
<p class="note">Each reasoning × general pair on the same task, retrieval setting and method: the samples both scored where one is right and the other wrong (accuracy 1 vs 0; a rating exactly right vs not; for graded metrics such as ROUGE, a gap of at least @@MARGIN@@), side by side, with the loser's failure tags and evidence. The per-sample evidence behind T1b.</p>
<div class="filters">
<label>Pair<select id="filter-d-pair"></select></label>
<label>Task<select id="filter-d-task"></select></label>
<label>Retrieval<select id="filter-d-setting"></select></label>
<label>Method<select id="filter-d-method"></select></label>
<label>Right side<select id="filter-d-winner"></select></label>
<label>Loser's tag<select id="filter-d-tag"></select></label>
</div>
<div id="d-count"></div>
<div id="disagreements"></div>
</section>
<section id="browser"><h2>Samples</h2>
<p class="note">@@SAMPLE_NOTE@@</p>
<div class="filters">
<label>Task<select id="filter-task"></select></label>
<label>Model<select id="filter-model"></select></label>
<label>Retrieval<select id="filter-setting"></select></label>
<label>Method<select id="filter-method"></select></label>
<label>Failure tag<select id="filter-tag"></select></label>
</div>
<div id="count"></div>
<div id="samples"></div>
<button id="more" type="button" hidden>Show more</button>
</section>
<section id="runs"><h2>Runs</h2><div class="scroll">@@RUNS@@</div></section>
</main>
<script type="application/json" id="sample-data">@@DATA@@</script>
<script>@@JS@@</script>
</body>
</html>
"""
