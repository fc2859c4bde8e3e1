// The scoreboard page: the ties list at "/", one tie live at "/ties/{id}".
// Names come from a feed and are untrusted: they only ever go in as text (textContent),
// never as HTML. The page re-renders from each tie state and ignores versions it has seen.

const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);

function el(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

// -- words, as the terminal scoreboard says them (streams/render.py, tracker/moments.py) --

const PERIODS = {
  first_half: "first half",
  second_half: "second half",
  extra_time_first_half: "extra time, first half",
  extra_time_second_half: "extra time, second half",
  penalty_shootout: "penalty shootout",
};

function clock(minute, added) {
  if (minute === null || minute === undefined) return "";
  return added ? `${minute}+${added}'` : `${minute}'`;
}

function surname(name) {
  const parts = String(name).trim().split(/\s+/);
  return parts[parts.length - 1];
}

function scoreLine(leg) {
  let text = `${leg.home} ${leg.score[leg.home]}-${leg.score[leg.away]} ${leg.away}`;
  if (leg.shootout && leg.shootout.kicks.length) {
    const pens = leg.shootout.score;
    text += ` (${pens[leg.home]}-${pens[leg.away]} pens)`;
  }
  return text;
}

function legStatus(leg) {
  if (leg.status === "live" && leg.period) {
    const pause = leg.is_period_running ? "" : ", break";
    return `${clock(leg.minute, leg.added_minute)} ${PERIODS[leg.period] || leg.period}${pause}`.trim();
  }
  return leg.status === "finished" ? "full time" : leg.status;
}

export function standing(tie) {
  const rules = tie.rules;
  if (!rules || !rules.is_knockout) return "";
  const decider = tie.legs.find((leg) => leg.leg === rules.legs);
  if (tie.winner) {
    if (tie.reason === "penalties" && decider && decider.shootout) {
      const pens = decider.shootout.score;
      return `${tie.winner} through on penalties (${pens[decider.home]}-${pens[decider.away]})`;
    }
    return `${tie.winner} through${tie.reason === "away_goals" ? " on away goals" : ""}`;
  }
  switch (tie.reason) {
    case "aggregate": return `${tie.advancing} through`;
    case "away_goals": return `${tie.advancing} through on away goals`;
    case "extra_time": return "level, extra time to come";
    case "penalties": return tie.advancing ? `${tie.advancing} ahead on penalties` : "level, penalties to come";
    default: return "level";
  }
}

// A leg's competition names its leg ("CONCACAF Champions Cup 2025, quarterfinal, second
// leg"); the tie spans its legs, so its heading leaves that part out.
const LEG_LABEL = /^(?:(?:first|second|1st|2nd) leg|leg \d+)$/i;

function tieCompetition(tie) {
  const named = tie.legs.map((leg) => leg.competition).find(Boolean);
  const parts = named ? named.split(",").map((part) => part.trim()) : [];
  const shared = parts.filter((part) => part && !LEG_LABEL.test(part)).join(", ");
  return shared || (tie.rules ? tie.rules.name : "");
}

function hasTwoLegs(tie) {
  return tie.legs.length > 1 || Boolean(tie.rules && tie.rules.legs > 1);
}

// "Saves: Ustari 2", each goalkeeper by surname, as the terminal summary says it.
function savesLine(leg) {
  const saves = Object.entries(leg.keeper_saves || {});
  if (!saves.length) return "";
  return `Saves: ${saves.map(([keeper, count]) => `${surname(keeper)} ${count}`).join(", ")}`;
}

function shownLeg(tie) {
  const started = tie.legs.filter((leg) => leg.status !== "scheduled");
  return started.length ? started[started.length - 1] : tie.legs[0];
}

function isIncomplete(tie) {
  return tie.complete === false || tie.legs.some(
    (leg) => leg.complete === false || (leg.seq_gaps && leg.seq_gaps.length > 0));
}

// -- the tie page ------------------------------------------------------------------------

const NOTICE_KINDS = new Set(["goal_disallowed", "goal_cancelled"]);

class TiePage {
  constructor(tieId) {
    this.tieId = tieId;
    this.live = null;          // the newest state from the stream
    this.shownAt = null;       // a state as at a minute (the slider), or null when live
    this.moments = [];
    this.momentKeys = new Set();
    this.source = null;
    this.retryDelay = 1000;
    this.connection = $("connection");
    document.getElementById("tie-view").hidden = false;
    this.bindSlider();
    this.connect();
  }

  // -- the live stream --

  connect(since) {
    const base = `/api/ties/${encodeURIComponent(this.tieId)}/events`;
    const source = new EventSource(since === undefined ? base : `${base}?since=${since}`);
    this.source = source;
    source.addEventListener("open", () => { this.retryDelay = 1000; this.setConnection("live"); });
    source.addEventListener("error", async () => {
      this.setConnection("stale");
      if (source.readyState !== EventSource.CLOSED) return;  // the browser reconnects itself
      // Closed: refused (503, retried here) or an id the service never accepts (404, shown).
      if (await this.isRefusedForGood(base)) {
        showNoSuchTie(this.tieId);
        return;
      }
      const version = this.live ? this.live.version : undefined;
      setTimeout(() => this.connect(version), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, 30000);
    });
    source.addEventListener("snapshot", (message) => {
      // The whole tie: it replaces what the page holds. The service sends one to a page
      // whose version is from another history of the tie (versions began again after a
      // restart): kept, the old state would hide every version up to the old one, and the
      // old moments would stay while the new ones were dropped as duplicates.
      const data = JSON.parse(message.data);
      this.live = null;
      this.moments = [];
      this.momentKeys = new Set();
      for (const moment of data.moments) this.addMoment(moment);
      if (data.tie) this.applyTie(data.tie); else this.render();
    });
    source.addEventListener("tie", (message) => this.applyTie(JSON.parse(message.data)));
    source.addEventListener("moment", (message) => {
      this.addMoment(JSON.parse(message.data));
      this.renderMoments();
    });
  }

  // EventSource hides the status that closed it; a HEAD of the same route tells.
  async isRefusedForGood(url) {
    try {
      return (await fetch(url, { method: "HEAD" })).status === 404;
    } catch (error) {
      return false;  // the service is away: keep retrying
    }
  }

  setConnection(state) {
    this.connection.dataset.state = state;
    this.connection.textContent = state === "live" ? "live" : state === "stale" ? "stale: reconnecting" : state;
  }

  applyTie(tie) {
    if (this.live && tie.version <= this.live.version) return;
    this.live = tie;
    if (!this.shownAt) this.render();
  }

  addMoment(moment) {
    const key = typeof moment.id === "string" ? moment.id : `${moment.event_id}|${moment.kind}`;
    if (this.momentKeys.has(key)) return;
    this.momentKeys.add(key);
    this.moments.push(moment);
  }

  // -- the minute slider (the ?at= route) --

  bindSlider() {
    this.slider = $("minute-slider");
    this.sliderOut = $("slider-minute");
    this.backToLive = $("back-to-live");
    this.slider.addEventListener("input", () => { this.sliderOut.textContent = `${this.slider.value}'`; });
    this.slider.addEventListener("change", () => this.showAt(Number(this.slider.value)));
    this.backToLive.addEventListener("click", () => {
      this.shownAt = null;
      this.backToLive.hidden = true;
      this.render();
    });
  }

  async showAt(minute) {
    const state = this.live;
    if (!state || !state.legs.length) return;
    const leg = shownLeg(state).leg;
    const url = `/api/ties/${encodeURIComponent(this.tieId)}?at=${leg}:${minute}`;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    this.shownAt = { minute, leg, tie: await response.json() };
    this.backToLive.hidden = false;
    this.render();
  }

  // -- rendering --

  render() {
    const tie = this.shownAt ? this.shownAt.tie : this.live;
    $("unknown-tie").hidden = Boolean(tie);
    if (!tie || !tie.legs.length) {
      $("teams").textContent = this.tieId;
      this.renderMoments();
      return;
    }
    const leg = shownLeg(tie);
    document.title = `${scoreLine(leg)} · Live ties`;
    $("teams").textContent = tie.teams.join(" v ");
    $("competition").textContent = tieCompetition(tie);
    $("incomplete").hidden = !isIncomplete(tie);
    const asAt = $("as-at");
    asAt.hidden = !this.shownAt;
    asAt.textContent = this.shownAt ? `As at ${this.shownAt.minute}' of leg ${this.shownAt.leg} (replayed from the log)` : "";

    const twoLegs = tie.rules && tie.rules.legs === 2 && tie.teams.length === 2;
    const aggregate = $("aggregate");
    aggregate.hidden = !twoLegs;
    if (twoLegs) {
      let text = `Aggregate: ${leg.home} ${tie.aggregate[leg.home]}-${tie.aggregate[leg.away]} ${leg.away}`;
      if (tie.away_goals) text += ` (away goals ${tie.away_goals[leg.home]}-${tie.away_goals[leg.away]})`;
      aggregate.textContent = text;
    }
    const through = standing(tie);
    const banner = $("standing");
    banner.hidden = !through;
    banner.textContent = tie.winner || !through ? through : `${through} (if it ended now)`;
    const needs = Object.entries(tie.goals_needed || {});
    $("goals-needed").textContent = needs.length && !tie.winner
      ? needs.map(([team, goals]) => `${team} need ${goals}`).join(", ") : "";
    const winner = $("winner");
    winner.hidden = !tie.winner;
    winner.textContent = tie.winner ? `Winner: ${tie.winner}` : "";

    $("legs").replaceChildren(...tie.legs.map((one) => this.renderLeg(one)));
    $("version").textContent = `version ${tie.version}${tie.status ? `, ${tie.status}` : ""}`;
    this.renderSliderRange(leg);
    this.renderMoments();
  }

  renderLeg(leg) {
    const item = el("li", null, { "data-testid": `leg-${leg.leg}`, class: "leg" });
    item.append(el("h2", `Leg ${leg.leg}`));
    item.append(el("p", scoreLine(leg), { class: "leg-score", "data-testid": "leg-score" }));
    item.append(el("p", legStatus(leg), { class: "leg-status", "data-testid": "leg-status" }));
    if (leg.complete === false || (leg.seq_gaps && leg.seq_gaps.length)) {
      item.append(el("p", "incomplete", { class: "badge warn", "data-testid": "leg-incomplete" }));
    }
    if (leg.goals.length) {
      const scorers = el("ul", null, { class: "scorers", "data-testid": "scorers" });
      for (const goal of leg.goals) {
        const notes = [];
        if (goal.kind === "penalty") notes.push("pen.");
        if (goal.kind === "own_goal") notes.push("o.g.");
        if (goal.assist) notes.push(`assist ${goal.assist}`);
        if (goal.is_deflected) notes.push("deflected");
        const line = `${clock(goal.minute, goal.added_minute) || "?'"} ${goal.scorer || "unknown scorer"} (${goal.team})`;
        scorers.append(el("li", notes.length ? `${line}: ${notes.join(", ")}` : line));
      }
      item.append(scorers);
    }
    const saves = savesLine(leg);
    if (saves) item.append(el("p", saves, { class: "saves", "data-testid": "saves" }));
    if (leg.sent_off && leg.sent_off.length) {
      const cards = el("ul", null, { class: "cards" });
      for (const off of leg.sent_off) {
        cards.append(el("li", `${clock(off.minute, off.added_minute)} ${off.player || "a player"} (${off.team}) sent off`));
      }
      item.append(cards);
    }
    if (leg.shootout && leg.shootout.kicks.length) {
      const kicks = el("ol", null, { class: "shootout", "data-testid": "shootout" });
      for (const kick of leg.shootout.kicks) {
        kicks.append(el("li", `${kick.team}: ${kick.taker ? surname(kick.taker) : "?"} ${kick.outcome}`,
          { "data-outcome": kick.outcome }));
      }
      item.append(el("h3", `Penalty shootout ${leg.home} ${leg.shootout.score[leg.home]}-${leg.shootout.score[leg.away]} ${leg.away}`));
      item.append(kicks);
    }
    return item;
  }

  renderSliderRange(leg) {
    if (this.shownAt) return;
    const extra = leg.period && leg.period.startsWith("extra_time") ? 120 : 90;
    const max = Math.max(extra, (leg.minute || 0) + (leg.added_minute || 0));
    this.slider.max = String(max);
    this.slider.value = String(Math.min(max, leg.minute ?? max));
    this.sliderOut.textContent = `${this.slider.value}'`;
  }

  renderMoments() {
    $("moments-count").textContent = String(this.moments.length);
    const list = $("moments");
    const shown = this.moments.slice().reverse();  // newest first
    const item = (moment) => el("li", moment.text, { "data-kind": moment.kind, "data-testid": "moment" });
    const tie = this.live;
    list.dataset.grouped = String(Boolean(tie && hasTwoLegs(tie)));
    if (tie && hasTwoLegs(tie)) {
      // Both legs have a kick-off, a half-time, a full time: each moment under its leg.
      const legOf = new Map(tie.legs.map((leg) => [leg.match_id, leg.leg]));
      const groups = [];
      for (const moment of shown) {
        const leg = legOf.get(moment.match_id);
        const last = groups[groups.length - 1];
        if (last && last.leg === leg) last.moments.push(moment);
        else groups.push({ leg, moments: [moment] });
      }
      list.replaceChildren(...groups.map((group) => {
        const testid = group.leg === undefined ? "moments-leg" : `moments-leg-${group.leg}`;
        const block = el("li", null, { class: "moments-leg", "data-testid": testid });
        if (group.leg !== undefined) block.append(el("h3", `Leg ${group.leg}`));
        block.append(el("ol", null, { reversed: "" }));
        block.lastChild.replaceChildren(...group.moments.map(item));
        return block;
      }));
    } else {
      list.replaceChildren(...shown.map(item));
    }
    const notices = this.moments.filter((moment) => NOTICE_KINDS.has(moment.kind));
    const box = $("notices");
    box.hidden = notices.length === 0;
    box.querySelector("ul").replaceChildren(...notices.map((moment) =>
      el("li", moment.text, { "data-testid": "notice", "data-kind": moment.kind })));
  }
}

// -- the list of ties ----------------------------------------------------------------------

class ListPage {
  constructor() {
    document.getElementById("list-view").hidden = false;
    this.connection = $("connection");
    this.refresh();
    setInterval(() => this.refresh(), 5000);
  }

  async refresh() {
    let ties;
    try {
      const response = await fetch("/api/ties", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      ties = await response.json();
    } catch {
      this.connection.dataset.state = "stale";
      this.connection.textContent = "stale: reconnecting";
      return;
    }
    this.connection.dataset.state = "live";
    this.connection.textContent = "live";
    $("list-empty").hidden = ties.length > 0;
    $("tie-list").replaceChildren(...ties.filter((tie) => tie.legs.length).map((tie) => {
      const leg = shownLeg(tie);
      const item = el("li", null, { "data-testid": "tie-row", "data-status": tie.status });
      const link = el("a", scoreLine(leg), { href: `/ties/${encodeURIComponent(tie.tie_id)}` });
      item.append(link);
      item.append(el("span", legStatus(leg), { class: "leg-status" }));
      if (tie.rules && tie.rules.legs === 2 && tie.teams.length === 2) {
        item.append(el("span", `agg. ${tie.aggregate[leg.home]}-${tie.aggregate[leg.away]}`, { class: "agg" }));
      }
      const through = tie.winner ? `Winner: ${tie.winner}` : standing(tie);
      if (through) item.append(el("span", through, { class: "through" }));
      return item;
    }));
  }
}

// An address no tie can have (a broken percent-escape such as /ties/%FF, or an id the
// service refuses): said on the page, not left blank or retried for ever.
function showNoSuchTie(shown) {
  document.getElementById("tie-view").hidden = false;
  $("teams").textContent = shown;
  $("unknown-tie").hidden = true;
  $("no-such-tie").hidden = false;
  const connection = $("connection");
  connection.dataset.state = "closed";
  connection.textContent = "not following";
}

function tieIdFrom(segment) {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    if (error instanceof URIError) return null;
    throw error;
  }
}

const match = window.location.pathname.match(/^\/ties\/([^/]+)\/?$/);
if (match) {
  const tieId = tieIdFrom(match[1]);
  if (tieId === null) showNoSuchTie(match[1]);
  else new TiePage(tieId);
} else new ListPage();
