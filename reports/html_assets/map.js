/* pledge data map: search, filter, lineage, paths and groups over Cytoscape.js + dagre.
 * Reads the JSON in #pledge-map-data; builds every element from it with textContent and
 * Cytoscape data (never HTML from input). window.pledgeMap exposes the state for tests. */
(function () {
  "use strict";
  var source = document.getElementById("pledge-map-data");
  var root = document.getElementById("data-map");
  if (!source || !root || typeof cytoscape !== "function") { return; }
  var started = performance.now();
  var data = JSON.parse(source.textContent);
  var $ = function (id) { return document.getElementById(id); };
  var T = data.threshold, S = data.slice, SMALL = 12; // a group this small is drawn open

  // --- shared lists back in place (data_map.Lists) ------------------------------------------
  var L = data.lists, LISTED = ["agreements", "declared_purposes", "access_roles", "fields"];
  data.flows.forEach(function (f) { f.categories = L[f.categories]; f.purposes = L[f.purposes]; });
  data.nodes.forEach(function (n) {
    LISTED.forEach(function (key) {
      if (typeof n.facts[key] === "number") { n.facts[key] = L[n.facts[key]]; }
    });
  });

  // --- indexes --------------------------------------------------------------------------
  var nodeById = new Map(), flowById = new Map(), outFlows = new Map(), inFlows = new Map();
  var groups = new Map(); // group -> member ids, stores right after their system
  data.nodes.forEach(function (n) {
    nodeById.set(n.id, n); outFlows.set(n.id, []); inFlows.set(n.id, []);
  });
  data.flows.forEach(function (f) {
    flowById.set(f.id, f);
    if (outFlows.has(f.source)) { outFlows.get(f.source).push(f); }
    if (inFlows.has(f.target)) { inFlows.get(f.target).push(f); }
  });
  data.nodes.slice().sort(function (a, b) {
    var ka = (a.owner || a.id) + "\u0000" + (a.owner ? "1" : "0") + a.id;
    var kb = (b.owner || b.id) + "\u0000" + (b.owner ? "1" : "0") + b.id;
    return ka < kb ? -1 : (ka > kb ? 1 : 0);
  }).forEach(function (n) {
    if (!groups.has(n.group)) { groups.set(n.group, []); }
    groups.get(n.group).push(n.id);
  });
  var sliceOf = new Map(); // node id -> index of its slice within its group
  groups.forEach(function (members) {
    members.forEach(function (id, i) { sliceOf.set(id, Math.floor(i / S)); });
  });
  var findingsOf = new Map(), flowFindings = new Map();
  data.findings.forEach(function (f) {
    f.nodes.forEach(function (id) {
      if (!findingsOf.has(id)) { findingsOf.set(id, []); }
      findingsOf.get(id).push(f);
    });
    f.flows.forEach(function (id) {
      if (!flowFindings.has(id)) { flowFindings.set(id, []); }
      flowFindings.get(id).push(f);
    });
  });

  // --- state ----------------------------------------------------------------------------
  var state = { category: "", purpose: "", gate: "", thirdParty: false, failing: false,
                search: "", selected: null, path: null, labels: false,
                expanded: new Set(), lastRender: 0 };

  function within(term, chosen) { return term === chosen || term.indexOf(chosen + ".") === 0; }
  function filtering() {
    return Boolean(state.category || state.purpose || state.gate || state.thirdParty ||
                   state.failing);
  }
  function keepFlow(f) {
    if (state.category && !f.categories.some(function (c) { return within(c, state.category); })) {
      return false;
    }
    if (state.purpose && !f.purposes.some(function (p) { return within(p, state.purpose); })) {
      return false;
    }
    if (state.gate === "(none)" ? f.gate : (state.gate && f.gate !== state.gate)) {
      return false;
    }
    if (state.thirdParty) {
      var s = nodeById.get(f.source), t = nodeById.get(f.target);
      if (!((s && s.third_party) || (t && t.third_party))) { return false; }
    }
    return !(state.failing && !f.failing);
  }
  function visibleGraph() {
    var flows = data.flows.filter(keepFlow), nodes = new Set();
    if (!filtering()) {
      data.nodes.forEach(function (n) { nodes.add(n.id); });
    } else {
      flows.forEach(function (f) { nodes.add(f.source); nodes.add(f.target); });
      if (state.failing) {
        data.nodes.forEach(function (n) { if (n.failing) { nodes.add(n.id); } });
      }
      if (state.thirdParty) {
        data.nodes.forEach(function (n) { if (n.third_party && !state.failing) { nodes.add(n.id); } });
      }
    }
    flows = flows.filter(function (f) { return nodes.has(f.source) && nodes.has(f.target); });
    return { flows: flows, nodes: nodes };
  }

  // --- which box a node is drawn in -----------------------------------------------------
  function unitOf(id, grouped) {
    var n = nodeById.get(id);
    if (!grouped || !n) { return id; }
    var size = groups.get(n.group).length;
    if (size > SMALL && !state.expanded.has("g:" + n.group)) { return "g:" + n.group; }
    if (size <= S) { return id; }
    var slice = "s:" + n.group + "#" + sliceOf.get(id);
    return state.expanded.has(slice) ? id : slice;
  }
  function expandTo(id) {
    var n = nodeById.get(id);
    if (!n) { return; }
    state.expanded.add("g:" + n.group);
    state.expanded.add("s:" + n.group + "#" + sliceOf.get(id));
  }

  // --- elements ---------------------------------------------------------------------------
  function nodeSize(label) {
    var lines = label.split("\n"), widest = 0;
    lines.forEach(function (l) { widest = Math.max(widest, l.length); });
    var w = Math.min(260, Math.max(90, widest * 6.4 + 22));
    var wraps = lines.reduce(function (sum, l) { return sum + Math.ceil(l.length * 6.4 / (w - 16)); }, 0);
    return { w: w, h: 16 + 14 * Math.max(2, wraps) };
  }
  function kindText(n) {
    if (n.kind === "subject") { return "people"; }
    if (n.kind === "store") { return (n.third_party ? "third-party store of " : "store of ") + n.owner; }
    return (n.third_party ? "third party" : "our system") + (n.facts.role ? " · " + n.facts.role : "");
  }
  function nodeElement(n) {
    var label = n.name + "\n" + n.id + " · " + kindText(n), size = nodeSize(label);
    return { group: "nodes", data: { id: n.id, label: label, w: size.w, h: size.h },
             classes: [n.kind, n.third_party ? "third" : "", n.failing ? "failing" : ""].join(" ") };
  }
  function unitElement(id, members, failing) {
    var parts = id.slice(2).split("#"), name = parts[0], label;
    if (id[0] === "g") {
      label = name + "\n" + members + " boxes · click to open";
    } else {
      var all = groups.get(name), first = Number(parts[1]) * S;
      label = name + " " + (first + 1) + "–" + Math.min(all.length, first + S) + " of " +
        all.length + "\n" + all[first] + " … " + all[Math.min(all.length, first + S) - 1];
    }
    var size = nodeSize(label);
    return { group: "nodes", data: { id: id, label: label, w: size.w + 20, h: size.h + 10, unit: 1 },
             classes: "unit" + (failing ? " failing" : "") };
  }
  function edgeLabel(f) {
    return f.id + ": " + f.categories.join(", ") + (f.gate ? "\n[gate " + f.gate + "]" : "");
  }
  function elements() {
    var seen = visibleGraph(), grouped = seen.nodes.size > T, units = new Map(), els = [];
    seen.nodes.forEach(function (id) {
      var u = unitOf(id, grouped), n = nodeById.get(id);
      if (!units.has(u)) { units.set(u, { count: 0, failing: false }); }
      var entry = units.get(u);
      entry.count += 1;
      entry.failing = entry.failing || (n && n.failing);
    });
    Array.from(units.keys()).sort().forEach(function (u) {
      var n = nodeById.get(u);
      els.push(n && u === n.id ? nodeElement(n)
        : unitElement(u, units.get(u).count, units.get(u).failing));
    });
    var bundles = new Map();
    seen.flows.forEach(function (f) {
      var a = unitOf(f.source, grouped), b = unitOf(f.target, grouped);
      if (a === f.source && b === f.target) {
        els.push({ group: "edges", data: { id: "f:" + f.id, source: a, target: b, flow: f.id,
                                           label: edgeLabel(f), gate: f.gate || "" },
                   classes: "flow" + (f.failing ? " failing" : "") + (f.gate ? " gated" : "") });
      } else if (a !== b) {
        var key = a + "\u0000" + b;
        if (!bundles.has(key)) { bundles.set(key, { a: a, b: b, flows: [], failing: false }); }
        var bundle = bundles.get(key);
        bundle.flows.push(f.id);
        bundle.failing = bundle.failing || f.failing;
      }
    });
    Array.from(bundles.keys()).sort().forEach(function (key) {
      var b = bundles.get(key);
      els.push({ group: "edges", data: { id: "b:" + key, source: b.a, target: b.b,
                                         label: b.flows.length + (b.flows.length === 1 ? " flow" : " flows"),
                                         flows: b.flows },
                 classes: "bundle" + (b.failing ? " failing" : "") });
    });
    data.nodes.forEach(function (n) { // a system holding its store, when both are drawn alone
      if (n.owner && units.has(n.id) && units.has(n.owner)) {
        els.push({ group: "edges", data: { id: "h:" + n.id, source: n.owner, target: n.id },
                   classes: "holds" });
      }
    });
    return els;
  }

  // --- drawing --------------------------------------------------------------------------
  var cy = cytoscape({
    container: $("map-canvas"), minZoom: 0.02, maxZoom: 4,
    boxSelectionEnabled: false, textureOnViewport: true, hideEdgesOnViewport: false,
    style: [
      { selector: "node", style: {
        "shape": "round-rectangle", "width": "data(w)", "height": "data(h)",
        "label": "data(label)", "text-wrap": "wrap", "text-max-width": "data(w)",
        "text-valign": "center", "text-halign": "center", "font-size": 11,
        "font-family": "system-ui, sans-serif", "color": "#111827",
        "background-color": "#ffffff", "border-width": 1.2, "border-color": "#374151" } },
      { selector: "node.subject", style: { "shape": "ellipse", "background-color": "#eef2ff" } },
      { selector: "node.store", style: { "shape": "barrel", "background-color": "#ecfdf5" } },
      { selector: "node.third", style: { "border-style": "dashed", "background-color": "#fff7ed" } },
      { selector: "node.unit", style: { "shape": "round-octagon", "background-color": "#f3f4f6",
                                        "border-width": 2, "font-weight": "bold" } },
      { selector: "node.failing", style: { "border-color": "#b91c1c", "border-width": 3 } },
      { selector: "edge", style: {
        "width": 1.4, "line-color": "#9ca3af", "target-arrow-color": "#9ca3af",
        "target-arrow-shape": "triangle", "arrow-scale": 0.8, "curve-style": "bezier",
        "font-size": 9, "text-wrap": "wrap", "text-background-color": "#ffffff",
        "text-background-opacity": 0.85, "text-rotation": "none", "color": "#374151" } },
      { selector: "edge.gated", style: {
        "mid-target-arrow-shape": "diamond", "mid-target-arrow-color": "#b45309",
        "mid-target-arrow-fill": "filled", "line-style": "solid", "label": "data(gate)",
        "font-size": 8, "color": "#b45309" } },
      { selector: "edge.bundle", style: { "width": 2.4, "label": "data(label)" } },
      { selector: "edge.holds", style: { "line-style": "dotted", "target-arrow-shape": "none",
                                         "width": 1 } },
      { selector: "edge.failing", style: { "line-color": "#b91c1c", "target-arrow-color": "#b91c1c",
                                           "width": 3 } },
      { selector: "edge.labelled", style: { "label": "data(label)" } },
      { selector: ".faded", style: { "opacity": 0.18 } },
      { selector: "node.match", style: { "background-color": "#fef08a" } },
      { selector: "edge.match", style: { "line-color": "#ca8a04", "target-arrow-color": "#ca8a04" } },
      { selector: "node.upstream", style: { "border-color": "#2563eb", "border-width": 3 } },
      { selector: "node.downstream", style: { "border-color": "#7c3aed", "border-width": 3 } },
      { selector: "edge.upstream", style: { "line-color": "#2563eb", "target-arrow-color": "#2563eb", "width": 2.6 } },
      { selector: "edge.downstream", style: { "line-color": "#7c3aed", "target-arrow-color": "#7c3aed", "width": 2.6 } },
      { selector: "node.chosen", style: { "border-color": "#111827", "border-width": 4,
                                          "background-color": "#dbeafe" } },
      { selector: "node.onpath", style: { "border-color": "#059669", "border-width": 4 } },
      { selector: "edge.onpath", style: { "line-color": "#059669", "target-arrow-color": "#059669",
                                          "width": 4 } }
    ]
  });

  function draw() {
    var t0 = performance.now();
    cy.startBatch();
    cy.elements().remove();
    cy.add(elements());
    cy.endBatch();
    cy.edges(".flow").toggleClass("labelled", state.labels);
    // network simplex ranks best but grows fast; longest path keeps a big view quick
    cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 18, rankSep: 70, edgeSep: 8,
                ranker: cy.nodes().length > 120 ? "longest-path" : "network-simplex",
                animate: false, fit: true, padding: 24 }).run();
    decorate();
    state.lastRender = performance.now() - t0;
    $("map-count").textContent = cy.nodes().length + " boxes, " + cy.edges(".flow, .bundle").length +
      " arrows drawn of " + data.nodes.length + " nodes and " + data.flows.length + " flows" +
      (cy.nodes(".unit").length ? "; click a grouped box to open it" : "") + ".";
  }

  // --- lineage, search, paths -----------------------------------------------------------
  function reach(id, upstream) {
    var seen = new Set([id]), frontier = [id], flows = new Set();
    while (frontier.length) {
      var next = [];
      frontier.forEach(function (node) {
        (upstream ? inFlows : outFlows).get(node).forEach(function (f) {
          if (!keepFlow(f)) { return; }
          var other = upstream ? f.source : f.target;
          flows.add(f.id);
          if (!seen.has(other)) { seen.add(other); next.push(other); }
        });
      });
      frontier = next;
    }
    seen.delete(id);
    return { nodes: seen, flows: flows };
  }
  function matches(n, text) {
    if (n.id.toLowerCase().indexOf(text) >= 0 || n.name.toLowerCase().indexOf(text) >= 0) { return true; }
    return (n.facts.fields || []).some(function (f) {
      return f[0].toLowerCase().indexOf(text) >= 0 || f[1].toLowerCase().indexOf(text) >= 0;
    });
  }
  function shortestPath(from, to) {
    var parent = new Map([[from, null]]), frontier = [from];
    while (frontier.length && !parent.has(to)) {
      var next = [];
      frontier.forEach(function (node) {
        outFlows.get(node).forEach(function (f) {
          if (keepFlow(f) && !parent.has(f.target)) { parent.set(f.target, f); next.push(f.target); }
        });
      });
      frontier = next;
    }
    if (!parent.has(to)) { return null; }
    var hops = [], at = to;
    while (parent.get(at)) { hops.unshift(parent.get(at)); at = parent.get(at).source; }
    return hops;
  }
  function markUnits(ids, cls, grouped) {
    ids.forEach(function (id) { cy.getElementById(unitOf(id, grouped)).addClass(cls); });
  }
  function decorate() {
    var grouped = cy.nodes(".unit").length > 0;
    cy.elements().removeClass("faded match upstream downstream chosen onpath");
    var text = state.search.trim().toLowerCase(), lit = null;
    if (state.selected && nodeById.has(state.selected)) {
      var up = reach(state.selected, true), down = reach(state.selected, false);
      markUnits(up.nodes, "upstream", grouped);
      markUnits(down.nodes, "downstream", grouped);
      up.flows.forEach(function (f) { cy.getElementById("f:" + f).addClass("upstream"); });
      down.flows.forEach(function (f) { cy.getElementById("f:" + f).addClass("downstream"); });
      cy.getElementById(unitOf(state.selected, grouped)).addClass("chosen");
      lit = cy.elements(".upstream, .downstream, .chosen");
    } else if (state.path) {
      state.path.forEach(function (f) {
        cy.getElementById("f:" + f.id).addClass("onpath");
        markUnits([f.source, f.target], "onpath", grouped);
      });
      lit = cy.elements(".onpath");
    } else if (text) {
      data.nodes.forEach(function (n) {
        if (matches(n, text)) { cy.getElementById(unitOf(n.id, grouped)).addClass("match"); }
      });
      cy.edges(".flow").forEach(function (e) {
        var f = flowById.get(e.data("flow"));
        if (f.id.toLowerCase().indexOf(text) >= 0 ||
            f.categories.some(function (c) { return c.toLowerCase().indexOf(text) >= 0; })) {
          e.addClass("match");
        }
      });
      lit = cy.elements(".match");
      $("search-count").textContent = cy.nodes(".match").length + " boxes and " +
        cy.edges(".match").length + " flows match “" + state.search.trim() + "”.";
    }
    if (!text) { $("search-count").textContent = ""; }
    if (lit && lit.length) { cy.elements().not(lit).addClass("faded"); }
  }
  function select(id) {
    state.selected = id; state.path = null;
    if (cy.getElementById(id).empty()) { expandTo(id); draw(); } else { decorate(); }
    panelFor(id);
    var el = cy.getElementById(id);
    if (!el.empty()) { cy.animate({ center: { eles: el } }, { duration: 0 }); }
  }

  // --- the side panel -----------------------------------------------------------------
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function facts(list, rows) {
    rows.forEach(function (row) {
      var value = row[1];
      if (value === undefined || value === "" || (Array.isArray(value) && !value.length)) { return; }
      list.appendChild(el("dt", row[0]));
      list.appendChild(el("dd", Array.isArray(value) ? value.join(", ") : value));
    });
  }
  function fieldTable(fields) {
    var table = el("table", null, "fields"), head = el("tr");
    ["field", "category", "retention", "disposal"].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(head);
    fields.forEach(function (f) {
      var tr = el("tr");
      f.forEach(function (cell, i) { tr.appendChild(el("td", cell || (i > 1 ? "not set" : ""))); });
      table.appendChild(tr);
    });
    return table;
  }
  function findingList(panel, found) {
    panel.appendChild(el("h4", "Findings (" + found.length + ")"));
    if (!found.length) { panel.appendChild(el("p", "No finding names it.", "muted")); return; }
    var order = { error: 0, fail: 1, waived: 2, manual: 3, pass: 4, not_applicable: 5 };
    found.slice().sort(function (a, b) { return order[a.status] - order[b.status]; }).forEach(function (f) {
      var box = el("div", null, "map-finding st-" + f.status);
      box.appendChild(el("strong", f.status + " · " + f.commitment + " · " + f.severity));
      box.appendChild(el("p", f.subject[0] + " " + f.subject[1] + ": " + f.message));
      if (f.path.length) { box.appendChild(el("p", "path: " + f.path.join(" → "), "mono")); }
      if (f.remediation && (f.status === "fail" || f.status === "error")) {
        box.appendChild(el("p", "how to fix: " + f.remediation));
      }
      panel.appendChild(box);
    });
  }
  function panelFor(id) {
    var panel = $("map-panel"), n = nodeById.get(id);
    panel.textContent = "";
    if (!n) { panel.appendChild(el("p", "Click a box to see its facts.", "muted")); return; }
    panel.appendChild(el("h3", n.name));
    panel.appendChild(el("p", n.id + " · " + kindText(n) + " · group " + n.group, "mono"));
    var list = el("dl"), fx = n.facts;
    var gates = new Set();
    outFlows.get(id).concat(inFlows.get(id)).forEach(function (f) { if (f.gate) { gates.add(f.gate); } });
    facts(list, [["role", fx.role], ["operator", fx.operator], ["country", fx.country],
                 ["exposure", fx.exposure], ["category", fx.category], ["owned by", fx.system],
                 ["technology", fx.technology],
                 ["encrypted at rest", fx.encryption_at_rest === undefined ? "" : (fx.encryption_at_rest ? "yes" : "no")],
                 ["access roles", fx.access_roles], ["agreements", fx.agreements || []],
                 ["attestations", (fx.attestations || []).map(function (a) {
                   return a[0] + (a[1] ? " " + a[1] : "") + (a[2] ? " (until " + a[2] + ")" : "");
                 })],
                 ["declared purposes", fx.declared_purposes], ["stores", fx.stores],
                 ["consent gates", Array.from(gates).sort()],
                 ["receives", inFlows.get(id).map(function (f) { return f.id; })],
                 ["sends", outFlows.get(id).map(function (f) { return f.id; })]]);
    panel.appendChild(list);
    var stores = n.kind === "store" ? [n] : (fx.stores || []).map(function (s) { return nodeById.get(s); });
    stores.forEach(function (s) {
      if (!s || !s.facts.fields || !s.facts.fields.length) { return; }
      panel.appendChild(el("h4", "Fields of " + s.id));
      panel.appendChild(fieldTable(s.facts.fields));
    });
    findingList(panel, findingsOf.get(id) || []);
  }
  function panelForEdge(edge) {
    var panel = $("map-panel"), f = flowById.get(edge.data("flow"));
    panel.textContent = "";
    if (!f) {
      panel.appendChild(el("h3", edge.data("label")));
      panel.appendChild(el("p", (edge.data("flows") || []).join(", "), "mono"));
      return;
    }
    panel.appendChild(el("h3", "Flow " + f.id));
    var list = el("dl");
    facts(list, [["from", f.source], ["to", f.target], ["categories", f.categories],
                 ["purposes", f.purposes], ["consent gate", f.gate || "none"],
                 ["transport", f.protocol + (f.tls ? " TLS " + f.tls : " no TLS")]]);
    panel.appendChild(list);
    findingList(panel, flowFindings.get(f.id) || []);
  }

  // --- controls -----------------------------------------------------------------------
  function fill(select, entries) {
    entries.forEach(function (entry) {
      var option = el("option", entry[1]);
      option.value = entry[0];
      select.appendChild(option);
    });
  }
  fill($("map-category"), Object.keys(data.categories).map(function (c) {
    return [c, c + " (" + data.categories[c] + ")"];
  }));
  fill($("map-purpose"), Object.keys(data.purposes).map(function (p) { return [p, p]; }));
  fill($("map-gate"), [["(none)", "no gate"]].concat(Object.keys(data.gates).map(function (g) {
    return [g, g + " (" + data.gates[g].type + ")"];
  })));
  var completions = $("map-search-list");
  function complete(text) {
    completions.textContent = "";
    text = text.trim().toLowerCase();
    if (!text) { return; }
    var found = [];
    for (var i = 0; i < data.nodes.length && found.length < 40; i += 1) {
      var n = data.nodes[i];
      if (n.id.toLowerCase().indexOf(text) >= 0 || n.name.toLowerCase().indexOf(text) >= 0) {
        found.push([n.id, n.name + " (" + n.kind + ")"]);
      }
    }
    Object.keys(data.categories).forEach(function (c) {
      if (found.length < 60 && c.toLowerCase().indexOf(text) >= 0) { found.push([c, "category"]); }
    });
    fill(completions, found);
  }
  $("map-search").addEventListener("input", function (event) {
    var value = event.target.value;
    complete(value);
    state.search = value; state.selected = null; state.path = null;
    if (nodeById.has(value.trim())) { select(value.trim()); } else { decorate(); }
  });
  function refilter() {
    state.category = $("map-category").value;
    state.purpose = $("map-purpose").value;
    state.gate = $("map-gate").value;
    state.thirdParty = $("map-third").checked;
    state.failing = $("map-failing").checked;
    state.path = null;
    draw();
    if (state.selected) { panelFor(state.selected); }
  }
  ["map-category", "map-purpose", "map-gate", "map-third", "map-failing"].forEach(function (id) {
    $(id).addEventListener("change", refilter);
  });
  $("map-find").addEventListener("click", function () {
    var from = $("map-from").value.trim(), to = $("map-to").value.trim(), out = $("path-result");
    if (!nodeById.has(from) || !nodeById.has(to)) {
      out.textContent = "Give two node ids (the search box completes them).";
      return;
    }
    var hops = shortestPath(from, to);
    state.selected = null;
    state.path = hops;
    if (!hops) {
      out.textContent = "No flow path from " + from + " to " + to + " (with the filters on).";
      decorate();
      return;
    }
    var missing = hops.some(function (f) { return cy.getElementById("f:" + f.id).empty(); });
    if (missing) { hops.forEach(function (f) { expandTo(f.source); expandTo(f.target); }); draw(); } else { decorate(); }
    out.textContent = [from].concat(hops.map(function (f) { return "–[" + f.id + "]→ " + f.target; })).join(" ");
  });
  $("map-fit").addEventListener("click", function () { cy.fit(undefined, 24); });
  $("map-zoom-in").addEventListener("click", function () { cy.zoom({ level: cy.zoom() * 1.3, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }); });
  $("map-zoom-out").addEventListener("click", function () { cy.zoom({ level: cy.zoom() / 1.3, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } }); });
  $("map-labels").addEventListener("change", function (event) {
    state.labels = event.target.checked;
    cy.edges(".flow").toggleClass("labelled", state.labels);
  });
  $("map-reset").addEventListener("click", function () {
    state.selected = null; state.path = null; state.search = ""; $("map-search").value = "";
    panelFor(null); decorate();
  });
  cy.on("tap", "node", function (event) {
    var id = event.target.id();
    if (event.target.data("unit")) {
      state.expanded.add(id);
      draw();
      return;
    }
    select(id);
  });
  cy.on("tap", "edge", function (event) { panelForEdge(event.target); });
  window.addEventListener("beforeprint", function () {
    cy.edges(".flow").addClass("labelled");
    cy.resize(); cy.fit(undefined, 12);
  });
  window.addEventListener("afterprint", function () {
    cy.edges(".flow").toggleClass("labelled", state.labels);
    cy.resize(); cy.fit(undefined, 24);
  });

  draw();
  panelFor(null);
  window.pledgeMap = { cy: cy, state: state, data: data, draw: draw, select: select,
                       reach: reach, firstRender: performance.now() - started };
  root.setAttribute("data-ready", "true");
})();
