/* Gauntlet leaderboard: sortable boards, a contest-date window recomputed from per-problem rows,
   per-instance drill-down, score-vs-time chart. Vanilla JS, no network, works from file://. */
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("leaderboard-data").textContent);
  const LB = DATA.leaderboard, PROBLEMS = DATA.problems, MODELS = LB.models || {};
  const Z = 1.959963984540054;

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
    return e;
  }
  const pct = (x) => (100 * x).toFixed(1) + "%";
  function wilson(s, n) {
    if (!n) return [0, 1];
    const p = s / n, d = 1 + Z * Z / n, c = (p + Z * Z / (2 * n)) / d;
    const h = Z * Math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / d;
    return [Math.max(0, c - h), Math.min(1, c + h)];
  }

  /* Entries of a board within a date window, recomputed from the per-problem rows. */
  function entries(board, win) {
    const per = PROBLEMS[board.id] || {};
    return board.rows.map((row) => {
      if (!win.start && !win.end) return Object.assign({}, row, {windowed: false});
      const rows = (per[row.model] || []).filter((r) => r.date && (!win.start || r.date >= win.start) && (!win.end || r.date <= win.end));
      const sum = rows.reduce((a, r) => a + r.score, 0), n = rows.length;
      const langs = {};
      for (const r of rows) if (r.language) { (langs[r.language] = langs[r.language] || []).push(r.score); }
      const byLang = {};
      for (const [l, v] of Object.entries(langs)) byLang[l] = {score: v.reduce((a, b) => a + b, 0) / v.length, n: v.length};
      const [lo, hi] = wilson(sum, n);
      return Object.assign({}, row, {score: n ? sum / n : 0, n: n, ci_low: lo, ci_high: hi, by_language: byLang,
        outcomes: Object.assign({}, row.outcomes, {infra: rows.filter((r) => r.outcome === "infra").length}), windowed: true});
    });
  }
  function rank(list) {
    const s = list.slice().sort((a, b) => b.score - a.score || a.model.localeCompare(b.model));
    s.forEach((r, i) => { r.rank = i && r.score === s[i - 1].score ? s[i - 1].rank : i + 1; });
    return list;
  }
  const meta = (m) => Object.assign({}, MODELS[m.model] || {}, m.model_meta || {});
  function contaminated(m, win) {
    const rel = meta(m).release_date;
    return Boolean(win.start && rel && rel > win.start);
  }

  function columns(board) {
    const cols = [
      {key: "rank", label: "Rank", num: true, val: (m) => m.rank},
      {key: "model", label: "Model", val: (m) => m.model},
      {key: "score", label: "Score", num: true, val: (m) => m.score},
      {key: "ci", label: "95% CI", num: true, val: (m) => m.ci_low},
      {key: "n", label: "n", num: true, val: (m) => m.n},
    ];
    if (board.languages.length > 1) for (const l of board.languages)
      cols.push({key: "lang:" + l, label: l, num: true, val: (m) => (m.by_language[l] ? m.by_language[l].score : -1)});
    cols.push({key: "infra", label: "Infra errors", num: true, val: (m) => m.outcomes.infra});
    if (board.rows.some((m) => m.seconds !== null && m.seconds !== undefined))
      cols.push({key: "seconds", label: "Time (s)", num: true, val: (m) => m.seconds === null ? -1 : m.seconds});
    if (board.rows.some((m) => m.cost !== null && m.cost !== undefined))
      cols.push({key: "cost", label: "Cost ($)", num: true, val: (m) => m.cost === null ? -1 : m.cost});
    cols.push({key: "size", label: "Size", val: (m) => meta(m).size || ""});
    cols.push({key: "release", label: "Released", val: (m) => meta(m).release_date || ""});
    cols.push({key: "run", label: "Run (manifest)", val: (m) => m.run_id});
    return cols;
  }

  function cell(col, m, win) {
    switch (col.key) {
      case "model": {
        const mm = meta(m);
        const td = el("td", {}, el("button", {class: "model", type: "button", title: "per-instance results",
          onclick: () => drill(m, win)}, m.model));
        if (mm.link) td.append(" ", el("a", {href: mm.link, title: "model page"}, "↗"));
        if (contaminated(m, win)) td.append(el("span", {class: "flag", title: "released " + mm.release_date + ", after the window start " + win.start}, "⚠ possibly contaminated"));
        return td;
      }
      case "score": return el("td", {class: "num"}, pct(m.score));
      case "ci": return el("td", {class: "num"}, pct(m.ci_low) + " – " + pct(m.ci_high));
      case "seconds": return el("td", {class: "num"}, m.seconds === null || m.seconds === undefined ? "–" : m.seconds.toFixed(1));
      case "cost": return el("td", {class: "num"}, m.cost === null || m.cost === undefined ? "–" : m.cost.toFixed(2));
      case "run": return el("td", {}, el("a", {href: m.manifest, title: "versions " + JSON.stringify(m.versions) + (Object.keys(m.images || {}).length ? " images " + JSON.stringify(m.images) : "")}, m.run_id));
      default:
        if (col.key.startsWith("lang:")) {
          const v = m.by_language[col.key.slice(5)];
          return el("td", {class: "num"}, v ? pct(v.score) + " (" + v.n + ")" : "–");
        }
        return el("td", col.num ? {class: "num"} : {}, col.val(m));
    }
  }

  function renderBoard(board, sec) {
    const st = sec._state;
    const list = rank(entries(board, st.win));
    const cols = columns(board);
    const col = cols.find((c) => c.key === st.key) || cols[2];
    list.sort((a, b) => {
      const x = col.val(a), y = col.val(b);
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return (st.dir === "asc" ? c : -c) || a.rank - b.rank;
    });
    const table = sec.querySelector("table.ranking");
    table.replaceChildren();
    table.append(el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", {"data-key": c.key,
      "aria-sort": c.key === col.key ? (st.dir === "asc" ? "ascending" : "descending") : "none",
      onclick: () => { st.dir = st.key === c.key && st.dir === "desc" ? "asc" : (st.key === c.key ? "desc" : (c.num && c.key !== "rank" ? "desc" : "asc")); st.key = c.key; renderBoard(board, sec); }}, c.label)))));
    const tb = el("tbody");
    for (const m of list) {
      tb.append(el("tr", {class: contaminated(m, st.win) ? "contaminated" : "", "data-model": m.model}, ...cols.map((c) => cell(c, m, st.win))));
    }
    table.append(tb);
    const info = sec.querySelector(".window output");
    if (info) info.textContent = st.win.start || st.win.end
      ? "window " + (st.win.start || "…") + " to " + (st.win.end || "…") + ": " + (list[0] ? list[0].n : 0) + " problems (scores recomputed, Wilson intervals)"
      : "all problems";
    const chart = sec.querySelector(".chart-slot");
    if (chart) chart.replaceChildren(scatter(list));
  }

  /* Score against time (or cost when runs carry it): an SVG scatter. */
  function scatter(list) {
    const useCost = list.some((m) => m.cost !== null && m.cost !== undefined);
    const key = useCost ? "cost" : "seconds";
    const pts = list.filter((m) => m[key] !== null && m[key] !== undefined);
    const W = 520, H = 260, L = 50, B = 34, T = 12, R = 12;
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "chart"); svg.setAttribute("width", W); svg.setAttribute("height", H);
    const add = (tag, a, text) => { const e = document.createElementNS(svg.namespaceURI, tag); for (const k in a) e.setAttribute(k, a[k]); if (text !== undefined) e.textContent = text; svg.append(e); return e; };
    const xmax = Math.max(...pts.map((m) => m[key]), 1e-9) * 1.1;
    const x = (v) => L + (W - L - R) * v / xmax, y = (v) => H - B - (H - B - T) * v;
    add("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888"}); add("line", {x1: L, y1: T, x2: L, y2: H - B, stroke: "#888"});
    for (const v of [0, 0.5, 1]) add("text", {x: 4, y: y(v) + 4}, pct(v));
    add("text", {x: W - R - 160, y: H - 8}, useCost ? "total cost ($)" : "total time (s)");
    add("text", {x: L - 4, y: H - B + 14}, "0"); add("text", {x: W - R - 40, y: H - B + 14}, xmax.toFixed(1));
    for (const m of pts) {
      add("circle", {cx: x(m[key]), cy: y(m.score), r: 5, fill: "#1a56b8"}).append(
        Object.assign(document.createElementNS(svg.namespaceURI, "title"), {textContent: m.model + ": " + pct(m.score) + ", " + m[key]}));
      add("text", {x: x(m[key]) + 7, y: y(m.score) + 4}, m.model);
    }
    return svg;
  }

  function drill(m, win) {
    const box = document.getElementById("drill");
    const rows = (PROBLEMS[m.board] || {})[m.model] || [];
    const inWin = rows.filter((r) => !(win.start || win.end) || (r.date && (!win.start || r.date >= win.start) && (!win.end || r.date <= win.end)));
    document.getElementById("drill-title").textContent = m.model + " · " + m.benchmark + " · run " + m.run_id;
    let only = null;
    const filt = document.getElementById("drill-filter");
    const draw = () => {
      filt.replaceChildren(...["all", "resolved", "partial", "failed", "infra"].map((o) => {
        const count = o === "all" ? inWin.length : inWin.filter((r) => r.outcome === o).length;
        return el("button", {type: "button", "data-outcome": o, class: (only || "all") === o ? "on" : "", onclick: () => { only = o === "all" ? null : o; draw(); }}, o + " (" + count + ")");
      }));
      const tb = document.querySelector("#drill-table tbody");
      tb.replaceChildren(...inWin.filter((r) => !only || r.outcome === only).map((r) => el("tr", {"data-id": r.id, "data-outcome": r.outcome},
        el("td", {}, r.id), el("td", {}, el("span", {class: "badge " + r.outcome}, r.outcome)), el("td", {class: "num"}, pct(r.score)),
        el("td", {}, r.language || ""), el("td", {}, r.date || ""), el("td", {}, r.detail || ""),
        el("td", {}, r.log ? el("details", {}, el("summary", {}, "log"), el("pre", {}, r.log)) : ""))));
    };
    draw();
    box.hidden = false;
  }
  document.getElementById("drill-close").addEventListener("click", () => { document.getElementById("drill").hidden = true; });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") document.getElementById("drill").hidden = true; });

  const nav = document.getElementById("boards-nav"), main = document.getElementById("boards");
  LB.boards.forEach((board, i) => {
    board.rows.forEach((r) => { r.board = board.id; });
    const sid = "board-" + i;
    nav.append(el("a", {href: "#" + sid}, board.title));
    const sec = el("section", {class: "board", id: sid, "data-board": board.id, "data-benchmark": board.benchmark},
      el("h2", {}, board.title),
      el("p", {class: "meta"}, "dataset " + (board.dataset || "?") + " · split " + board.split + " · " + board.instances + " instances · fingerprint ", el("code", {}, board.dataset_fingerprint)));
    sec._state = {key: "score", dir: "desc", win: {start: "", end: ""}};
    const dates = [...new Set(Object.values(PROBLEMS[board.id] || {}).flat().map((r) => r.date).filter(Boolean))].sort();
    if (dates.length) {
      const start = el("input", {type: "date", class: "win-start", min: dates[0], max: dates[dates.length - 1]});
      const end = el("input", {type: "date", class: "win-end", min: dates[0], max: dates[dates.length - 1]});
      const slider = el("input", {type: "range", class: "win-slider", min: 0, max: dates.length - 1, value: 0, step: 1,
        title: "move the window start over the contest dates"});
      const apply = () => { sec._state.win = {start: start.value, end: end.value}; renderBoard(board, sec); };
      start.addEventListener("change", apply); end.addEventListener("change", apply);
      slider.addEventListener("input", () => { start.value = +slider.value ? dates[+slider.value] : ""; apply(); });
      sec.append(el("div", {class: "window"}, el("label", {}, "Contest date from ", start), el("label", {}, "to ", end),
        el("label", {}, "slide start ", slider), el("output")));
    }
    sec.append(el("table", {class: "ranking"}));
    if (board.rows.some((m) => (m.seconds !== null && m.seconds !== undefined) || (m.cost !== null && m.cost !== undefined)))
      sec.append(el("h3", {}, "Score against time or cost"), el("div", {class: "chart-slot"}));
    main.append(sec);
    renderBoard(board, sec);
  });
})();
