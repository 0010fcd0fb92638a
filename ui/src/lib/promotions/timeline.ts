// The layout of the promotions timeline: a window of the coming weeks, one lane per
// campaign (and one for the promotions without a campaign, and one per campaign the
// marketplace announces that the shop has not joined), bars positioned in percent of
// the window from the RFC 3339 instants Rust gives. Pure: the component only draws.
import type { MarketCampaignView, PromotionState, PromotionView } from "../bindings";

/** Epoch milliseconds, `end` exclusive. */
export interface TimeWindow {
  start: number;
  end: number;
}

/** The narrowest bar drawn (percent of the window), so an hour-long promotion shows. */
export const MIN_WIDTH = 0.6;

/** From today's midnight (the PC's clock) to the same time `weeks` weeks later. */
export function timelineWindow(now: Date, weeks = 8): TimeWindow {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const end = new Date(start);
  end.setDate(end.getDate() + weeks * 7);
  return { start: start.getTime(), end: end.getTime() };
}

/** Where an instant falls, in percent of the window; null outside it. */
export function position(t: Date | number, w: TimeWindow): number | null {
  const ms = typeof t === "number" ? t : t.getTime();
  if (ms < w.start || ms > w.end) return null;
  return ((ms - w.start) / (w.end - w.start)) * 100;
}

export interface Placement {
  left: number;
  width: number;
  /** Began before the window: drawn from its left edge. */
  clippedLeft: boolean;
  /** Ends after the window (or never): drawn to its right edge. */
  clippedRight: boolean;
  /** No end: « jusqu'à épuisement du stock ». */
  openEnded: boolean;
}

/** A period's bar, or null when none of it falls in the window. */
export function place(startsAt: string, endsAt: string | null, w: TimeWindow): Placement | null {
  const s = Date.parse(startsAt);
  const e = endsAt === null ? Infinity : Date.parse(endsAt);
  if (Number.isNaN(s) || Number.isNaN(e) || e <= s) return null;
  if (e <= w.start || s >= w.end) return null;
  const span = w.end - w.start;
  const from = Math.max(s, w.start);
  const to = Math.min(e, w.end);
  const width = Math.max(((to - from) / span) * 100, MIN_WIDTH);
  const left = Math.min(((from - w.start) / span) * 100, 100 - width);
  return { left, width, clippedLeft: s < w.start, clippedRight: e > w.end, openEnded: endsAt === null };
}

export interface Tick {
  left: number;
  /** « 7 déc. » in French. */
  label: string;
}

/** The Mondays within the window, labelled in the user's language. */
export function weekTicks(w: TimeWindow, locale: string): Tick[] {
  const fmt = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" });
  const d = new Date(w.start);
  d.setDate(d.getDate() + ((8 - d.getDay()) % 7)); // the first Monday, today if it is one
  const ticks: Tick[] = [];
  while (d.getTime() < w.end) {
    ticks.push({ left: ((d.getTime() - w.start) / (w.end - w.start)) * 100, label: fmt.format(d) });
    d.setDate(d.getDate() + 7);
  }
  return ticks;
}

export interface Bar extends Placement {
  key: string;
  state: PromotionState | "announced";
  starts_text: string;
  ends_text: string | null;
  /** How many promotions share this period in the lane, their ids and first products. */
  count: number;
  ids: number[];
  names: string[];
}

export interface Lane {
  key: string;
  kind: "campaign" | "none" | "market";
  /** The campaign's name; null for the promotions without a campaign. */
  label: string | null;
  /** Bars that overlap go on separate rows. */
  rows: Bar[][];
  /** Bars left out beyond `maxRows` rows. */
  hidden: number;
}

const STATE_RANK: Record<Bar["state"], number> = { running: 0, planned: 1, announced: 2, ended: 3 };

/**
 * The lanes of the window: one per campaign of the shop, one for the promotions
 * without a campaign, one per announced marketplace campaign not yet joined. Within a
 * lane, promotions of the same period make one bar. Lanes with nothing in the window
 * are left out; campaigns by their first bar, the rest after, announced ones last.
 */
export function lanes(
  promotions: PromotionView[],
  market: MarketCampaignView[],
  w: TimeWindow,
  maxRows = 6,
): Lane[] {
  const byLane = new Map<string, { lane: Omit<Lane, "rows" | "hidden">; bars: Map<string, Bar> }>();
  for (const p of promotions) {
    const placed = place(p.starts_at, p.ends_at, w);
    if (!placed) continue;
    const laneKey = p.campaign_id === null ? "none" : `c${p.campaign_id}`;
    let entry = byLane.get(laneKey);
    if (!entry) {
      entry = {
        lane: {
          key: laneKey,
          kind: p.campaign_id === null ? "none" : "campaign",
          label: p.campaign_id === null ? null : p.campaign_name,
        },
        bars: new Map(),
      };
      byLane.set(laneKey, entry);
    }
    const barKey = `${p.starts_at}|${p.ends_at ?? ""}`;
    const bar = entry.bars.get(barKey);
    if (bar) {
      bar.count += 1;
      bar.ids.push(p.id);
      if (bar.names.length < 3 && !bar.names.includes(p.product_name)) bar.names.push(p.product_name);
      if (STATE_RANK[p.state] < STATE_RANK[bar.state]) bar.state = p.state;
    } else {
      entry.bars.set(barKey, {
        ...placed,
        key: `${laneKey}|${barKey}`,
        state: p.state,
        starts_text: p.starts_text,
        ends_text: p.ends_text,
        count: 1,
        ids: [p.id],
        names: [p.product_name],
      });
    }
  }
  for (const m of market) {
    if (m.joined !== null && byLane.has(`c${m.joined}`)) continue;
    const placed = place(m.starts_at, m.ends_at, w);
    if (!placed) continue;
    const laneKey = `m${m.id}`;
    byLane.set(laneKey, {
      lane: { key: laneKey, kind: "market", label: m.name },
      bars: new Map([
        [
          laneKey,
          {
            ...placed,
            key: laneKey,
            state: "announced",
            starts_text: m.starts_text,
            ends_text: m.ends_text,
            count: 0,
            ids: [],
            names: [],
          },
        ],
      ]),
    });
  }
  const KIND_RANK: Record<Lane["kind"], number> = { campaign: 0, none: 1, market: 2 };
  return [...byLane.values()]
    .map(({ lane, bars }) => ({ ...lane, ...stack([...bars.values()], maxRows) }))
    .sort(
      (a, b) =>
        KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
        (a.kind === "campaign" ? firstLeft(a) - firstLeft(b) : 0) ||
        (a.label ?? "").localeCompare(b.label ?? ""),
    );
}

function firstLeft(l: Lane): number {
  return l.rows[0]?.[0]?.left ?? 100;
}

/** Bars on rows, each on the first row where it overlaps nothing (by start, longest first). */
export function stack(bars: Bar[], maxRows = 6): { rows: Bar[][]; hidden: number } {
  const sorted = [...bars].sort((a, b) => a.left - b.left || b.width - a.width);
  const rows: Bar[][] = [];
  let hidden = 0;
  for (const bar of sorted) {
    const row = rows.find((r) => {
      const last = r[r.length - 1]!;
      return last.left + last.width <= bar.left + 1e-9;
    });
    if (row) row.push(bar);
    else if (rows.length < maxRows) rows.push([bar]);
    else hidden += 1;
  }
  return { rows, hidden };
}
