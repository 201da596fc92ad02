// The enact-sdk receipts page. Plain ES module, no build step. Every piece of receipt or request
// content is put on the page with textContent or as an attribute value, never parsed as HTML:
// receipts are written by agents.

const SVG = "http://www.w3.org/2000/svg";
const main = document.getElementById("main");
let session;
// Each navigation gets a number; a slower, older one never paints over a newer page.
let routeSeq = 0;

function painter() {
  const seq = routeSeq;
  return (...nodes) => {
    if (seq !== routeSeq) return;
    main.replaceChildren();
    append(main, nodes);
  };
}

/** An element with attributes, event handlers (`on…`) and children (strings become text nodes). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) el.setAttribute(key, String(value));
  append(el, children);
  return el;
}

async function api(path, options = {}) {
  const init = { credentials: "same-origin", headers: {} };
  if (options.body !== undefined) {
    init.method = "POST";
    init.headers["content-type"] = "application/json";
    init.headers["x-enact-csrf"] = session.csrf;
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error ?? `${response.status} ${response.statusText}`);
  return data;
}

function toast(message, isError = false) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = isError ? "toast error" : "toast";
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 5000);
}

const DECISION_CLASS = { PASS: "b-pass", BLOCK: "b-block", PARTIAL: "b-warn", PENDING_APPROVAL: "b-pending", UNREADABLE: "b-block" };
const DECISION_COLOR = { PASS: "#1e8e5a", BLOCK: "#c73a3a", PARTIAL: "#d08a00", PENDING_APPROVAL: "#6b4fbb", UNREADABLE: "#7a8594" };

function decisionBadge(decision) {
  return h("span", { class: `badge ${DECISION_CLASS[decision] ?? "b-muted"}` }, decision === "PENDING_APPROVAL" ? "PENDING" : decision);
}

function signatureBadge(v) {
  if (v.signature === "not checked") return h("span", { class: "badge b-muted", title: "ENACT_SECRET is not set" }, "not checked");
  return v.signature === "valid" ? h("span", { class: "badge b-pass" }, "valid") : h("span", { class: "badge b-block" }, "TAMPERED");
}

function journalBadge(v) {
  const labels = {
    recorded: ["b-pass", "in journal"],
    unsealed: ["b-warn", "logged, not chained"],
    differs: ["b-block", "DIFFERS"],
    missing: ["b-block", "NOT IN JOURNAL"],
    "not checked": ["b-muted", "not checked"],
  };
  const [cls, text] = labels[v.journal] ?? ["b-muted", v.journal];
  return h("span", { class: `badge ${cls}` }, text);
}

function shortTime(iso) {
  if (!iso) return "—";
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function pretty(value) {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

function copyButton(text, label = "Copy") {
  return h("button", {
    class: "small",
    type: "button",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        toast("Copied.");
      } catch {
        toast("The browser refused the clipboard; select the text instead.", true);
      }
    },
  }, label);
}

// ---------- Receipts list ----------

const FILTER_FIELDS = ["workflow", "actor", "decision", "since", "until", "q"];

function currentFilters() {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  return Object.fromEntries(FILTER_FIELDS.map((name) => [name, params.get(name) ?? ""]).concat([["page", params.get("page") ?? "0"]]));
}

function hashFor(filters) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== "" && !(key === "page" && value === "0")) params.set(key, value);
  const query = params.toString();
  return query === "" ? "#/" : `#/?${query}`;
}

function toApiQuery(filters) {
  const params = new URLSearchParams();
  for (const name of FILTER_FIELDS) {
    let value = filters[name];
    if (value === "") continue;
    // datetime-local inputs are in the viewer's time zone; the server compares instants.
    if (name === "since" || name === "until") value = new Date(value).toISOString();
    params.set(name, value);
  }
  return params;
}

async function showReceipts() {
  const paint = painter();
  const filters = currentFilters();
  const params = toApiQuery(filters);
  params.set("page", filters.page);
  params.set("pageSize", "50");
  paint(h("h1", {}, "Receipts"), h("p", { class: "muted" }, "Loading the receipts…"));
  // The list comes first: on a large store its first page is ready long before the index the
  // charts and filter suggestions need, so it is shown while they load.
  const list = await api(`/api/receipts?${params}`);
  const indexing = h("div", { class: "card muted", id: "indexing" }, `Indexing ${list.total.toLocaleString()} receipts for the charts and filters…`);
  paint(h("h1", {}, "Receipts"), indexing, filterBar(filters, { workflows: [], actors: [] }), receiptsTable(list, filters));
  const [stats, facets] = await Promise.all([api(`/api/stats?${toApiQuery(filters)}`), api("/api/facets")]);
  // A page served before the index was built is asked for again: the index is now the answer.
  const final = list.complete === false ? await api(`/api/receipts?${params}`) : list;
  paint(
    h("h1", {}, "Receipts"),
    h("div", { class: "grid2 glance" }, decisionsChart(stats), blockingChart(stats)),
    filterBar(filters, facets),
    receiptsTable(final, filters),
  );
}

function filterBar(filters, facets) {
  const field = (name, label, control) => h("label", {}, label, control);
  const workflow = h("input", { name: "workflow", value: filters.workflow, list: "workflows", placeholder: "any" });
  const actor = h("input", { name: "actor", value: filters.actor, list: "actors", placeholder: "any" });
  const decision = h("select", { name: "decision" }, h("option", { value: "" }, "any"), session.decisions.map((d) => h("option", { value: d, selected: d === filters.decision }, d === "FAILED" ? "FAILED (error or failed action)" : d)));
  const since = h("input", { name: "since", type: "datetime-local", value: filters.since });
  const until = h("input", { name: "until", type: "datetime-local", value: filters.until });
  const q = h("input", { name: "q", type: "search", value: filters.q, placeholder: "run id, email, reason…" });
  const form = h(
    "form",
    {
      class: "card filters",
      onsubmit: (event) => {
        event.preventDefault();
        const next = Object.fromEntries(FILTER_FIELDS.map((name) => [name, form.elements[name].value.trim()]));
        location.hash = hashFor({ ...next, page: "0" });
      },
    },
    field("workflow", "Workflow", workflow),
    field("actor", "Actor", actor),
    field("decision", "Decision", decision),
    field("since", "From", since),
    field("until", "Until", until),
    field("q", "Text", q),
    h("div", { class: "actions-row" }, h("button", { class: "primary", type: "submit" }, "Filter"), h("button", { type: "button", onclick: () => (location.hash = "#/") }, "Reset")),
    h("datalist", { id: "workflows" }, facets.workflows.map((w) => h("option", { value: w }))),
    h("datalist", { id: "actors" }, facets.actors.map((a) => h("option", { value: a }))),
  );
  return form;
}

function receiptsTable(list, filters) {
  const page = Number(filters.page);
  const first = list.total === 0 ? 0 : page * list.pageSize + 1;
  const last = Math.min(list.total, (page + 1) * list.pageSize);
  const rows = list.rows.map((row) =>
    h(
      "tr",
      { class: "row", "data-run-id": row.runId, onclick: () => (location.hash = `#/receipt/${row.runId}`) },
      h("td", { class: "nowrap mono" }, shortTime(row.timestamp)),
      h("td", { class: "mono nowrap" }, h("a", { href: `#/receipt/${row.runId}`, title: row.runId }, row.runId.slice(0, 8))),
      h("td", { class: "ellipsis", title: row.workflow }, row.workflow),
      h("td", { class: "ellipsis", title: row.actorEmail }, row.actorEmail),
      h("td", {}, decisionBadge(row.decision), row.failed && row.decision !== "UNREADABLE" ? h("span", { class: "badge b-warn gap" }, "failed") : null),
      h("td", { class: "ellipsis muted mono", title: row.actions.join(", ") }, row.actions.length === 0 ? "—" : row.actions.join(", ")),
      h("td", { class: "sig" }, signatureBadge(row.verification)),
      h("td", { class: "journal" }, journalBadge(row.verification)),
    ),
  );
  const move = (delta) => () => (location.hash = hashFor({ ...filters, page: String(page + delta) }));
  return h(
    "div",
    { class: "card" },
    h("table", { id: "receipts" },
      h("thead", {}, h("tr", {}, ["Time (UTC)", "Run", "Workflow", "Actor", "Decision", "Actions", "Signature", "Journal"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows),
    ),
    list.total === 0 ? h("div", { class: "empty", id: "no-match" }, "No receipts match.") : null,
    h("div", { class: "pager" },
      h("span", { id: "range" }, `${first.toLocaleString()}–${last.toLocaleString()} of ${list.total.toLocaleString()}`),
      h("div", { class: "actions-row" },
        h("button", { type: "button", disabled: page === 0, onclick: move(-1) }, "← Newer"),
        h("button", { type: "button", disabled: last >= list.total, onclick: move(1) }, "Older →"),
      ),
    ),
  );
}

function decisionsChart(stats) {
  const width = 640;
  const height = 150;
  const pad = { left: 34, right: 6, top: 8, bottom: 22 };
  const decisions = ["PASS", "BLOCK", "PENDING_APPROVAL", "PARTIAL"];
  const totals = stats.buckets.map((b) => Object.values(b.counts).reduce((a, n) => a + n, 0));
  const max = Math.max(1, ...totals);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": "Decisions over time" });
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  for (const fraction of [0, 0.5, 1]) {
    const y = pad.top + innerH * (1 - fraction);
    chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y, y2: y, stroke: "#e6e9ee" }));
    chart.append(svg("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end", "font-size": 10, fill: "#8a94a3" }, String(Math.round(max * fraction))));
  }
  const slot = innerW / Math.max(1, stats.buckets.length);
  stats.buckets.forEach((bucket, index) => {
    let y = pad.top + innerH;
    for (const decision of [...decisions, "UNREADABLE"]) {
      const n = bucket.counts[decision] ?? 0;
      if (n === 0) continue;
      const barH = (n / max) * innerH;
      y -= barH;
      const rect = svg("rect", { x: pad.left + index * slot + slot * 0.12, y, width: Math.max(1, slot * 0.76), height: barH, fill: DECISION_COLOR[decision] ?? "#999", rx: 1.5 });
      rect.append(svg("title", {}, `${shortTime(bucket.start)}: ${n} ${decision}`));
      chart.append(rect);
    }
  });
  if (stats.buckets.length > 0) {
    const firstLabel = shortTime(stats.buckets[0].start);
    const lastLabel = shortTime(stats.buckets[stats.buckets.length - 1].start);
    chart.append(svg("text", { x: pad.left, y: height - 6, "font-size": 10, fill: "#8a94a3" }, firstLabel));
    chart.append(svg("text", { x: width - pad.right, y: height - 6, "font-size": 10, fill: "#8a94a3", "text-anchor": "end" }, lastLabel));
  }
  return h(
    "div",
    { class: "card chart", id: "decisions-chart" },
    h("h2", {}, "Decisions over time"),
    stats.buckets.length === 0 ? h("div", { class: "empty" }, "No receipts in this selection.") : chart,
    h("div", { class: "legend" }, decisions.map((d) => h("span", {}, h("i", { style: undefined, class: `sw-${d}` }), d === "PENDING_APPROVAL" ? "PENDING" : d))),
  );
}

function blockingChart(stats) {
  const max = Math.max(1, ...stats.topBlocking.map((p) => p.count));
  return h(
    "div",
    { class: "card", id: "blocking-chart" },
    h("h2", {}, "Policies that block most"),
    stats.topBlocking.length === 0
      ? h("div", { class: "empty" }, "Nothing was blocked.")
      : h("div", { class: "bars" }, stats.topBlocking.map((p) => {
          const fill = h("div", { class: "bar-fill" });
          fill.style.width = `${(p.count / max) * 100}%`;
          return h("div", { class: "bar-row" }, h("span", { class: "name", title: p.policy }, p.policy), h("div", { class: "bar-track" }, fill), h("span", { class: "n" }, p.count.toLocaleString()));
        })),
  );
}

// ---------- One receipt ----------

async function showReceipt(runId) {
  const paint = painter();
  paint(h("p", { class: "muted" }, "Loading…"));
  const data = await api(`/api/receipts/${encodeURIComponent(runId)}`);
  const r = data.value && typeof data.value === "object" ? data.value : {};
  const v = data.verification;
  const tampered = v.signature === "invalid" || v.journal === "differs" || v.journal === "missing";
  const parts = [
    h("p", {}, h("a", { href: "#/" }, "← All receipts")),
    h("div", { class: "headline" },
      h("h1", {}, "Receipt"),
      h("span", { class: "mono", id: "run-id" }, runId),
      copyButton(runId, "Copy run id"),
      decisionBadge(String(r.decision ?? "UNREADABLE")),
    ),
  ];
  if (data.error) parts.push(h("div", { class: "alert bad" }, `This file cannot be read: ${data.error}`));
  if (v.signature === "not checked") parts.push(h("div", { class: "alert info" }, "Not checked: ENACT_SECRET is not set, so the signature and the journal cannot be verified."));
  else if (tampered) parts.push(h("div", { class: "alert bad", id: "tampered" }, v.signature === "invalid" ? "TAMPERED: the signature does not match the contents. This receipt was changed after it was signed, forged, or signed with another secret." : "The journal does not vouch for this receipt: it was injected or replaced."));
  else parts.push(h("div", { class: "alert good" }, `Genuine: the signature is valid and journal entry ${v.journalSeq ?? ""} records this very receipt.`));

  const facts = [
    ["When", r.timestamp],
    ["Who asked", r.actorEmail],
    ["Workflow", r.workflow],
    ["Decision", r.decision],
    ["Signature", signatureBadge(v)],
    ["Journal", journalBadge(v)],
    r.idempotencyKey !== undefined && ["Idempotency key", r.idempotencyKey],
    r.rollbackOf !== undefined && ["Rolls back", h("a", { href: `#/receipt/${r.rollbackOf}`, class: "mono" }, String(r.rollbackOf))],
    r.note !== undefined && ["Note", r.note],
    r.approvalRequest && ["Approval request", `${r.approvalRequest.id} (expires ${r.approvalRequest.expiresAt})`],
    r.approval && ["Approved by", `${r.approval.approver} at ${r.approval.approvedAt} (request ${r.approval.id})`],
    ["Stored at", data.where],
  ].filter(Boolean);
  parts.push(h("div", { class: "card" }, h("h2", {}, "Who, what, when"), h("dl", { class: "facts" }, facts.map(([k, value]) => [h("dt", {}, k), h("dd", {}, value instanceof Node ? value : String(value ?? "—"))]))));
  parts.push(h("div", { class: "card" }, h("h2", {}, "Payload"), h("pre", { id: "payload" }, pretty(r.payload))));
  parts.push(policiesCard("Why: policies", r.policyResults, "policies"));
  if (Array.isArray(r.shadowResults)) parts.push(policiesCard("Shadow policies (observed, not enforced)", r.shadowResults, "shadow"));
  parts.push(actionsCard(r));
  if (typeof r.error === "string") parts.push(h("div", { class: "card" }, h("h2", {}, "Error"), h("pre", {}, r.error)));
  parts.push(h("div", { class: "card" }, h("details", {}, h("summary", {}, "Raw JSON "), h("div", { style: undefined }, copyButton(pretty(data.value), "Copy JSON")), h("pre", { id: "raw" }, pretty(data.value)))));
  paint(...parts);
}

function policiesCard(title, results, id) {
  const list = Array.isArray(results) ? results : [];
  return h(
    "div",
    { class: "card", id },
    h("h2", {}, `${title}: ${list.length}`),
    list.length === 0
      ? h("div", { class: "muted" }, "None.")
      : h("table", {},
          h("thead", {}, h("tr", {}, h("th", {}, "Result"), h("th", {}, "Policy"), h("th", {}, "Reason"))),
          h("tbody", {}, list.map((p) => h("tr", {},
            h("td", {}, p.passed ? h("span", { class: "badge b-pass" }, "PASS") : h("span", { class: `badge ${p.requiresApproval ? "b-pending" : "b-block"}` }, p.requiresApproval ? "NEEDS APPROVAL" : "FAIL")),
            h("td", { class: "mono" }, String(p.policy ?? "")),
            h("td", {}, String(p.reason ?? ""), p.mode ? h("span", { class: "muted" }, ` (${p.mode})`) : null),
          ))),
        ),
  );
}

function actionsCard(r) {
  const actions = Array.isArray(r.actionsTaken) ? r.actionsTaken : [];
  const nothing = r.decision === "BLOCK" ? "Nothing changed: the run was blocked." : r.decision === "PENDING_APPROVAL" ? "Nothing changed: the run waits for a person's approval." : "Nothing changed.";
  return h(
    "div",
    { class: "card", id: "actions" },
    h("h2", {}, `What changed: ${actions.length} ${actions.length === 1 ? "action" : "actions"}`),
    actions.length === 0 ? h("div", { class: "muted" }, nothing) : null,
    actions.map((a) => {
      const state = !a.success ? h("span", { class: "badge b-block" }, "FAILED") : a.alreadyDone ? h("span", { class: "badge b-warn" }, "already done") : h("span", { class: "badge b-pass" }, "done");
      const diff = diffOf(a);
      return h("div", { class: "action" },
        h("div", { class: "action-head" }, h("b", { class: "mono" }, `${a.system}.${a.action}`), state),
        diff ? diffTable(diff) : null,
        h("details", { open: !diff }, h("summary", {}, "Output"), h("pre", {}, pretty(a.output))),
      );
    }),
  );
}

/** Before/after rows of an update, from its rollbackData (the state before) and its output (after). */
function diffOf(action) {
  const back = action.rollbackData;
  const out = action.output ?? {};
  if (!back || typeof back !== "object") return undefined;
  if (back.previousProperties && out.properties) return [{ label: `${back.objectType ?? "object"} ${back.id ?? ""}`, before: back.previousProperties, after: out.properties }];
  if (Array.isArray(back.rows) && Array.isArray(out.rows) && action.action !== "delete_row") {
    const key = Array.isArray(back.primaryKey) ? back.primaryKey : [];
    const keyOf = (row) => JSON.stringify(key.map((k) => row?.[k]));
    const after = new Map(out.rows.map((row) => [keyOf(row), row]));
    return back.rows.map((row) => ({ label: key.length > 0 ? key.map((k) => `${k}=${row?.[k]}`).join(", ") : "row", before: row, after: after.get(keyOf(row)) ?? {} }));
  }
  if (back.before && typeof back.before === "object" && back.after && typeof back.after === "object") return [{ label: "", before: back.before, after: back.after }];
  return undefined;
}

function diffTable(rows) {
  return h("div", { class: "diff-wrap" }, rows.map((row) => {
    const fields = [...new Set([...Object.keys(row.before ?? {}), ...Object.keys(row.after ?? {})])];
    return h("table", { class: "diff" },
      h("thead", {}, h("tr", {}, h("th", {}, row.label ? `Field (${row.label})` : "Field"), h("th", {}, "Before"), h("th", {}, "After"))),
      h("tbody", {}, fields.map((field) => {
        const before = pretty(row.before?.[field]);
        const after = pretty(row.after?.[field]);
        const changed = before !== after;
        return h("tr", { class: changed ? "changed" : "" },
          h("td", {}, field),
          h("td", { class: changed ? "before" : "same" }, row.before && field in row.before ? before : "—"),
          h("td", { class: changed ? "after" : "same" }, row.after && field in row.after ? after : "—"),
        );
      })),
    );
  }));
}

// ---------- Approvals ----------

async function showApprovals() {
  const paint = painter();
  paint(h("h1", {}, "Approvals"), h("p", { class: "muted" }, "Loading…"));
  let pending;
  try {
    pending = (await api("/api/approvals")).pending;
  } catch (error) {
    paint(h("h1", {}, "Approvals"), h("div", { class: "alert info" }, error.message));
    return;
  }
  updateCount(pending.length);
  const blocked = session.decideBlockedBecause;
  paint(
    h("h1", {}, "Approvals"),
    blocked ? h("div", { class: "alert info" }, blocked) : h("p", { class: "note" }, `You decide as ${session.as}. Each decision is a signed record in the store, checked against ENACT_APPROVERS like enact.approve().`),
    pending.length === 0 ? h("div", { class: "card empty" }, "No open approval requests.") : null,
    pending.map((request) => approvalCard(request, blocked)),
  );
}

function approvalCard(request, blocked) {
  const note = h("textarea", { placeholder: "A note for the record (why you approve or deny)", "aria-label": "note" });
  const decide = (verb) => async (event) => {
    event.target.disabled = true;
    try {
      await api(`/api/approvals/${request.id}/${verb}`, { body: { note: note.value } });
      toast(verb === "approve" ? "Approved: the agent may now run it once." : "Denied: it can never run.");
      await showApprovals();
    } catch (error) {
      toast(error.message, true);
      event.target.disabled = false;
    }
  };
  return h(
    "div",
    { class: "approval", "data-approval-id": request.id },
    h("h2", {}, request.workflow),
    h("div", { class: "meta" },
      h("span", {}, "by ", h("b", {}, request.actorEmail)),
      h("span", {}, `requested ${shortTime(request.requestedAt)}`),
      h("span", {}, `expires ${shortTime(request.expiresAt)}`),
      h("a", { href: `#/receipt/${request.runId}` }, "the pending receipt"),
    ),
    h("div", {}, h("b", {}, "Needs approval because:")),
    h("ul", {}, request.reasons.map((reason) => h("li", {}, reason))),
    h("div", {}, h("b", {}, "Exactly what would run "), h("span", { class: "muted" }, `(workflow ${request.workflow} with this payload; digest ${request.digest.slice(0, 12)}…)`)),
    h("pre", { class: "payload" }, pretty(request.payload)),
    note,
    h("div", { class: "actions-row" },
      h("button", { class: "approve", type: "button", disabled: Boolean(blocked), title: blocked, onclick: decide("approve") }, "Approve"),
      h("button", { class: "danger", type: "button", disabled: Boolean(blocked), title: blocked, onclick: decide("deny") }, "Deny"),
    ),
  );
}

function updateCount(n) {
  const el = document.getElementById("pending-count");
  el.textContent = String(n);
  el.hidden = n === 0;
}

// ---------- Kill switch and verification ----------

async function showControl() {
  const paint = painter();
  paint(h("h1", {}, "Kill switch & verify"), await killSwitchCard(), verifyCard());
  await refreshVerify();
}

async function killSwitchCard() {
  let status;
  try {
    status = await api("/api/halt");
  } catch (error) {
    return h("div", { class: "card" }, h("h2", {}, "Kill switch"), h("div", { class: "alert info" }, error.message));
  }
  updateBanner(status);
  const blocked = session.haltBlockedBecause;
  const reason = h("input", { placeholder: "Why halt? (recorded with the halt)", name: "reason", "aria-label": "reason" });
  const act = (halt) => async (event) => {
    event.target.disabled = true;
    try {
      await api(halt ? "/api/halt" : "/api/unhalt", { body: halt ? { reason: reason.value } : {} });
      toast(halt ? "Halted: every run on this store is blocked within a second." : "Unhalted: runs go through again.");
      await showControl();
    } catch (error) {
      toast(error.message, true);
      event.target.disabled = false;
    }
  };
  return h(
    "div",
    { class: "card", id: "kill-switch" },
    h("h2", {}, "Kill switch"),
    h("div", { class: "switch" },
      h("span", { class: status.halted ? "lamp halted" : "lamp" }),
      h("b", { id: "halt-state" }, status.halted ? "HALTED" : "Running"),
      status.by ? h("span", { class: "muted", id: "halt-who" }, `${status.halted ? "halted" : "unhalted"} by ${status.by} at ${shortTime(status.since)}${status.reason ? `: ${status.reason}` : ""}`) : h("span", { class: "muted" }, "never halted"),
    ),
    blocked ? h("div", { class: "alert info" }, blocked) : null,
    status.halted
      ? h("button", { class: "approve", type: "button", disabled: Boolean(blocked), onclick: act(false) }, "Unhalt: let runs through")
      : h("div", { class: "row-inline" }, reason, h("button", { class: "danger", type: "button", disabled: Boolean(blocked), onclick: act(true) }, "Halt every run")),
  );
}

function verifyCard() {
  return h(
    "div",
    { class: "card", id: "verify" },
    h("h2", {}, "Verify the store"),
    h("p", { class: "note" }, "The same check as enact-sdk verify: every receipt's signature, and the journal's chain (nothing missing, injected or replaced)."),
    h("button", { class: "primary", type: "button", id: "verify-start", disabled: !session.secret, onclick: startVerify }, "Verify now"),
    h("div", { class: "progress" }, h("div", { id: "verify-bar" })),
    h("div", { id: "verify-result" }),
  );
}

async function startVerify() {
  try {
    await api("/api/verify", { body: {} });
    await refreshVerify();
  } catch (error) {
    toast(error.message, true);
  }
}

async function refreshVerify() {
  const bar = document.getElementById("verify-bar");
  const out = document.getElementById("verify-result");
  if (!bar || !out) return;
  const job = await api("/api/verify");
  bar.style.width = job.state === "done" ? "100%" : job.total > 0 ? `${Math.round((job.done / job.total) * 100)}%` : "0";
  if (job.state === "running") {
    out.replaceChildren(h("span", { class: "muted" }, `Checking ${job.done.toLocaleString()} of ${job.total.toLocaleString()} receipts…`));
    setTimeout(() => void refreshVerify().catch(() => undefined), 250);
    return;
  }
  if (job.state === "failed") out.replaceChildren(h("div", { class: "alert bad" }, `The check could not run: ${job.error}`));
  if (job.state !== "done") return;
  const report = job.report;
  const c = report.counts;
  out.replaceChildren();
  append(out, [
    h("div", { class: `alert ${report.ok ? "good" : "bad"}`, id: "verify-verdict" }, report.ok ? "OK: every receipt is valid and the journal is intact." : "FAILED: see below."),
    h("div", { class: "counts" }, Object.entries(c).map(([name, n]) => h("div", {}, h("b", {}, n.toLocaleString()), h("span", {}, name)))),
    report.findings.length + report.journal.problems.length === 0
      ? null
      : h("table", {},
          h("thead", {}, h("tr", {}, h("th", {}, "Status"), h("th", {}, "Run"), h("th", {}, "Problem"))),
          h("tbody", {},
            report.findings.map((f) => h("tr", {}, h("td", {}, h("span", { class: `badge ${f.status === "invalid" || f.status === "missing" ? "b-block" : "b-warn"}` }, f.status.toUpperCase())), h("td", { class: "mono" }, h("a", { href: `#/receipt/${f.runId}` }, f.runId)), h("td", {}, f.problems.join("; ")))),
            report.journal.problems.map((p) => h("tr", {}, h("td", {}, h("span", { class: "badge b-block" }, "JOURNAL")), h("td", {}, "—"), h("td", {}, p))),
          ),
        ),
    h("p", { class: "note" }, `Checked ${shortTime(job.finishedAt)}. Journal head: entry ${report.journal.head.seq}.`),
  ]);
}

function updateBanner(status) {
  const banner = document.getElementById("halt-banner");
  banner.hidden = !status.halted;
  banner.textContent = status.halted ? `HALTED by ${status.by ?? "?"} since ${shortTime(status.since)}: ${status.reason ?? ""}. Every run on this store is blocked.` : "";
}

// ---------- Routing ----------

async function route() {
  const hash = location.hash || "#/";
  const seq = ++routeSeq;
  const [path] = hash.slice(1).split("?");
  const tab = path.startsWith("/approvals") ? "approvals" : path.startsWith("/control") ? "control" : "receipts";
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.nav === tab);
  try {
    const receipt = /^\/receipt\/([0-9a-fA-F-]{36})$/.exec(path);
    if (receipt) await showReceipt(receipt[1]);
    else if (tab === "approvals") await showApprovals();
    else if (tab === "control") await showControl();
    else await showReceipts();
  } catch (error) {
    if (seq === routeSeq) main.replaceChildren(h("div", { class: "alert bad" }, error.message));
  }
  if (seq === routeSeq) main.dataset.ready = hash;
}

async function start() {
  try {
    session = await api("/api/session");
  } catch (error) {
    main.replaceChildren(h("div", { class: "alert bad" }, error.message));
    return;
  }
  document.getElementById("store-label").textContent = session.store;
  document.getElementById("acting-as").textContent = session.as ? `acting as ${session.as}` : "read-only (no --as)";
  window.addEventListener("hashchange", () => void route());
  await route();
  api("/api/approvals").then((data) => updateCount(data.pending.length), () => undefined);
  api("/api/halt").then(updateBanner, () => undefined);
}

void start();
