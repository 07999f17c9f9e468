// The node as this page knows it: its RPC (answers capped, errors in the RPC's own words), the
// blocks read so far, and the live heights panel.

import { int, optInt, parseBlock, record, text } from "./decode.js";

export const RECENT_BLOCKS = 20;
const MAX_CACHED_BLOCKS = 64;
const MAX_RESPONSE_CHARS = 8 * 1024 * 1024;

export const live = { tip: null, finalized: null, proven: null, earliest: 0, round: null };
const blocks = new Map(); // height -> parsed block, the most recent MAX_CACHED_BLOCKS

export class RpcError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function rpc(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  const response = await fetch(url, { cache: "no-store", headers: { Accept: "application/json" } });
  const body = await response.text();
  if (body.length > MAX_RESPONSE_CHARS) throw new RpcError(0, `${path}: answer too large`);
  let doc;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new RpcError(response.status, `${path}: answer is not JSON`);
  }
  if (!response.ok) {
    const message = doc && doc.error && doc.error.message;
    throw new RpcError(response.status, typeof message === "string"
      ? text(message, "error", 300) : `${path}: HTTP ${response.status}`);
  }
  return doc;
}

export async function getBlock(height) {
  if (blocks.has(height)) return blocks.get(height);
  const block = parseBlock(await rpc("/block", { height }));
  blocks.set(height, block);
  while (blocks.size > MAX_CACHED_BLOCKS) blocks.delete(Math.min(...blocks.keys()));
  return block;
}

export async function refreshStatus() {
  const status = record(await rpc("/status"), "status");
  const sync = record(status.sync_info, "sync_info");
  const node = record(status.node_info, "node_info");
  document.getElementById("chain").textContent = `chain ${text(node.chain_id, "chain_id", 64)}`;
  live.earliest = int(sync.earliest_block_height, "earliest_block_height");
  setHeights({
    finalized: int(sync.latest_block_height, "latest_block_height"),
    proven: optInt(sync.proven_final_height, "proven_final_height"),
    round: int(sync.current_round, "current_round"),
  });
}

export async function getRecentBlocks() {
  if (live.finalized === null) return [];
  const low = Math.max(live.earliest, live.finalized - RECENT_BLOCKS + 1, 0);
  const heights = [];
  for (let h = live.finalized; h >= low; h--) heights.push(h);
  const found = await Promise.all(heights.map((h) => getBlock(h).catch(() => null)));
  return found.filter((block) => block !== null);
}

export function setHeights(update) {
  for (const [key, value] of Object.entries(update)) {
    if (value !== null && (live[key] === null || value > live[key])) live[key] = value;
  }
  if (live.finalized !== null && (live.tip === null || live.tip < live.finalized)) {
    live.tip = live.finalized;
  }
  const show = (id, value) => {
    document.getElementById(id).textContent = value === null ? "-" : String(value);
  };
  show("tip-height", live.tip);
  show("finalized-height", live.finalized);
  show("proven-height", live.proven);
  show("current-round", live.round);
}
