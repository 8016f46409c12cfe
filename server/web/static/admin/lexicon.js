// The lexicon and synonym editor (词典/同义词): synonym rules, extra,
// removed and stop words; a preview of how a query segments and expands
// and what it finds, published vs draft; publish with a note; history with
// rollback; the status of the reload and re-index.

import {$, el, add, fmtTime, say, api, fail, debounce} from "./util.js";

const LIST_LABEL = {synonyms: "同义词", words: "新增词", removed: "删除词", stopwords: "停用词"};
const STATE_LABEL = {ready: "已生效", building: "正在加载词典", reindexing: "正在重建索引", failed: "失败"};
let lineMap = {}; // list → entry index → line number in its text box
let statusTimer = 0;

// textLines returns the non-empty lines of a text box, trimmed, remembering
// the line number of each for error messages.
function textLines(list, id) {
  const out = [], map = [];
  $(id).value.split("\n").forEach((l, i) => {
    const s = l.trim();
    if (s && !s.startsWith("#")) { out.push(s); map.push(i + 1); }
  });
  lineMap[list] = map;
  return out;
}

// draft builds the lexicon document from the form; it throws with the line
// of a malformed word.
function draft() {
  lineMap = {};
  const words = textLines("words", "lxwords").map((l, i) => {
    const f = l.split(/\s+/);
    if (f.length > 3) throw new Error("新增词第 " + lineMap.words[i] + " 行：格式应为 词 [词频] [词性]");
    const w = {word: f[0]};
    if (f.length > 1) {
      const n = Number(f[1]);
      if (!(n > 0)) throw new Error("新增词第 " + lineMap.words[i] + " 行：词频应为正数，而不是 " + f[1]);
      w.freq = n;
    }
    if (f.length > 2) w.tag = f[2];
    return w;
  });
  return {synonyms: textLines("synonyms", "lxsyn"), words, removed: textLines("removed", "lxremoved"),
    stopwords: textLines("stopwords", "lxstop"), author: $("lxauthor").value.trim(), note: $("lxnote").value.trim()};
}

// explainError turns "synonyms line 3 (…)" of the API into the text box's
// own line number.
function explainError(err) {
  const m = /^(synonyms|words|removed|stopwords) line (\d+)/.exec(err.message || "");
  if (m) {
    const line = (lineMap[m[1]] || [])[Number(m[2]) - 1] || m[2];
    err.message = LIST_LABEL[m[1]] + "第 " + line + " 行：" + err.message.slice(m[0].length).replace(/^[\s:]+/, "");
  }
  return err;
}

function fill(doc) {
  $("lxsyn").value = (doc.synonyms || []).join("\n");
  $("lxwords").value = (doc.words || []).map(w => {
    const tag = w.tag && w.tag !== "n" ? w.tag : "";
    const freq = tag || (w.freq && w.freq !== 1000) ? String(w.freq || 1000) : "";
    return [w.word, freq, tag].filter(Boolean).join(" ");
  }).join("\n");
  $("lxremoved").value = (doc.removed || []).join("\n");
  $("lxstop").value = (doc.stopwords || []).join("\n");
  $("lxinfo").textContent = ["当前 v" + doc.version, doc.author, fmtTime(doc.updated_at), doc.note].filter(Boolean).join(" · ");
}

function showStatus(st) {
  const box = $("lxstatus");
  box.dataset.state = st.state;
  box.dataset.applied = st.applied;
  box.dataset.indexed = st.indexed;
  let text = "生效状态：" + (STATE_LABEL[st.state] || st.state) + " · 发布 v" + st.version + " · 查询 v" + st.applied + " · 索引 v" + st.indexed;
  if (st.state === "reindexing" || (st.total && st.state !== "ready")) text += " · 重建 " + st.done + "/" + st.total + " 件";
  if (st.changed_words && st.changed_words.length) text += " · 变更词：" + st.changed_words.slice(0, 10).join("、") + (st.changed_words.length > 10 ? "…" : "");
  if (st.error) text += " · " + st.error;
  box.textContent = text;
  box.className = "muted" + (st.state === "failed" ? " err" : "");
  clearTimeout(statusTimer);
  if (st.state === "building" || st.state === "reindexing" || st.applied !== st.version || st.indexed !== st.version) {
    statusTimer = setTimeout(() => api("GET", "/api/admin/lexicon/status").then(showStatus).catch(fail), 1000);
  }
}

export async function loadLexicon() {
  const [cur, hist] = await Promise.all([api("GET", "/api/admin/lexicon"), api("GET", "/api/admin/lexicon/history")]);
  fill(cur.current);
  showStatus(cur.status);
  renderHistory(hist.history || [], cur.current.version);
}

function renderHistory(history, current) {
  const t = $("lxhistory");
  t.textContent = "";
  const head = el("tr");
  for (const h of ["版本", "时间", "操作人", "说明", ""]) head.appendChild(el("th", "", h));
  t.appendChild(head);
  for (const v of history.slice().reverse()) {
    const tr = el("tr", v.version === current ? "cur" : "");
    tr.dataset.version = v.version;
    const note = el("td", "", v.note);
    add(note, el("br"), el("small", "muted", "同义词 " + v.synonyms + " · 新增 " + v.words + " · 删除 " + v.removed + " · 停用 " + v.stopwords));
    add(tr, el("td", "", "v" + v.version), el("td", "", fmtTime(v.updated_at)), el("td", "", v.author), note);
    const td = el("td");
    if (v.version !== current) {
      const b = el("button", "", "回滚到此版本");
      b.type = "button";
      b.addEventListener("click", () => rollback(v.version).catch(err => fail(explainError(err))));
      td.appendChild(b);
    }
    tr.appendChild(td);
    t.appendChild(tr);
  }
}

async function publish() {
  const body = draft();
  if (!body.author) { say("请填写操作人", true); $("lxauthor").focus(); return; }
  localStorage.setItem("ss_admin_author", body.author);
  const out = await api("PUT", "/api/admin/lexicon", body);
  say("已发布词典 v" + out.current.version + (out.status.applied === out.current.version ? "，同义词已生效" : "，正在加载词典并重建索引"));
  $("lxnote").value = "";
  await loadLexicon();
  if ($("lxq").value.trim()) await preview();
}

async function rollback(version) {
  const author = $("lxauthor").value.trim() || localStorage.getItem("ss_admin_author") || "";
  if (!author) { say("请先填写操作人", true); $("lxauthor").focus(); return; }
  const out = await api("POST", "/api/admin/lexicon/rollback", {version, author});
  say("已回滚到 v" + version + "（新版本 v" + out.current.version + "）");
  await loadLexicon();
}

// preview shows both sides: tokens, required leaves, expansions, top items.
async function preview() {
  const q = $("lxq").value.trim();
  if (!q) return;
  const body = draft();
  delete body.note;
  const out = await api("POST", "/api/admin/lexicon/preview", {query: q, draft: body, n: 10});
  const box = $("lxcompare");
  box.textContent = "";
  const side = (title, s, key) => {
    const d = el("div");
    d.dataset.side = key;
    add(d, el("h3", "", title + " · " + s.total + " 件"));
    const seg = el("p", "seg");
    add(seg, el("b", "", "分词："));
    for (const t of s.tokens || []) add(seg, el("span", "tok " + t.role, t.term));
    d.appendChild(seg);
    const ex = el("p", "seg");
    add(ex, el("b", "", "扩展："));
    if (!(s.synonyms || []).length) add(ex, el("span", "muted", "无同义词"));
    for (const x of s.synonyms || []) {
      add(ex, el("span", "exp", x.terms.join(" ") + " → " + x.synonyms.map(y => y.text).join(" | ")));
    }
    d.appendChild(ex);
    const ol = el("ol");
    (s.items || []).forEach((it, i) => {
      const li = el("li");
      li.dataset.id = it.id;
      const t = el("span", "t", it.title);
      t.title = it.id + " " + it.title;
      add(li, el("span", "pos", i + 1), t);
      ol.appendChild(li);
    });
    if (!ol.children.length) ol.appendChild(el("li", "muted", "无结果"));
    d.appendChild(ol);
    return d;
  };
  add(box, side("当前 v" + out.current.version, out.current, "current"), side("草稿", out.draft, "draft"));
  const note = $("lxnotice");
  note.hidden = !out.reindex_needed;
  note.textContent = out.reindex_needed ? "草稿改变了分词（" + (out.changed_words || []).join("、") + "）：发布后含这些词的商品会重建索引，预览结果在此之前仅供参考。" : "";
}

const autoPreview = debounce(() => { if ($("lxq").value.trim()) preview().catch(err => fail(explainError(err))); }, 400);
$("lxpreview").addEventListener("click", () => preview().catch(err => fail(explainError(err))));
$("lxq").addEventListener("keydown", ev => { if (ev.key === "Enter" && !ev.isComposing) preview().catch(err => fail(explainError(err))); });
for (const id of ["lxsyn", "lxwords", "lxremoved", "lxstop"]) $(id).addEventListener("input", autoPreview);
$("lxpublish").addEventListener("click", () => publish().catch(err => fail(explainError(err))));
$("lxreset").addEventListener("click", () => loadLexicon().catch(fail));
