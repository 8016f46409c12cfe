// The shopsearch merchandisers' console: login, tabs, start. Plain DOM,
// ES modules, no build step.

import {$, TOKEN_KEY, Unauthorized, api, fail, showLogin} from "./util.js";
import {initWeights} from "./weights.js";
import {loadRules} from "./rules.js";
import "./explain.js"; // its listeners
import {loadAB} from "./ab.js";
import {loadSuggest} from "./suggest.js";
import {loadLexicon} from "./lexicon.js";
import {loadDash} from "./dash.js";
import {loadSensitive} from "./sensitive.js";

async function enter() {
  await api("GET", "/api/admin/profiles"); // throws (and shows the login) on 401
  $("login").hidden = true;
  $("app").hidden = false;
  await initWeights();
  showTab();
}
$("loginform").addEventListener("submit", ev => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  enter().catch(fail);
});
$("logout").addEventListener("click", () => showLogin("已退出"));

// ---- tabs -------------------------------------------------------------------

const loaded = {};
const TAB_INIT = {rules: loadRules, ab: loadAB, suggest: loadSuggest, lexicon: loadLexicon, sensitive: loadSensitive, dash: loadDash, explain: () => {}, weights: () => {}};
function showTab() {
  const tab = (location.hash || "#weights").slice(1);
  const name = TAB_INIT[tab] ? tab : "weights";
  document.querySelectorAll(".tab").forEach(s => { s.hidden = s.id !== "tab-" + name; });
  document.querySelectorAll("#tabs a").forEach(a => a.classList.toggle("on", a.dataset.tab === name));
  // Lists others may have changed load on every visit; the search box's
  // form only once, so that switching tabs keeps unsaved edits.
  if (!loaded[name] || ["dash", "ab", "rules"].includes(name)) { loaded[name] = true; Promise.resolve(TAB_INIT[name]()).catch(fail); }
}
addEventListener("hashchange", () => { if (!$("app").hidden) showTab(); });
if (sessionStorage.getItem(TOKEN_KEY)) enter().catch(err => { if (!(err instanceof Unauthorized)) showLogin("无法连接：" + err.message); });
else showLogin("");
