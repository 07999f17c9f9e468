// The zkpov block explorer: reads this node's RPC, renders with DOM nodes and text only.
//
// Every value from the RPC is hostile until checked: numbers must be safe integers, hex must be
// hex of a bounded length, lists are capped; text reaches the page only as text nodes
// (append/textContent, never innerHTML). Requests stay inside the RPC's caps: the last
// RECENT_BLOCKS blocks one /block each, validators 100 a page (the RPC's maximum per_page),
// one /events stream; the block list is re-read at most once a second however fast blocks come.
"use strict";

(() => {
  const RECENT_BLOCKS = 20;
  const PER_PAGE = 100;
  const MAX_CACHED_BLOCKS = 64;
  const MAX_RESPONSE_CHARS = 8 * 1024 * 1024;
  const MAX_TXS = 4096;
  const TRANSFER_HEX = 272; // 136 bytes: see zkpov.chain.state
  const REFRESH_MS = 1000;

  const live = { tip: null, finalized: null, proven: null, earliest: 0, round: null };
  const blocks = new Map(); // height -> parsed block, the most recent MAX_CACHED_BLOCKS
  let renderSeq = 0;
  let refreshTimer = null;
  let validatorPage = 1;
  let eventCount = 0;
  let pageSettled = false; // the page shown cannot change any more: no live re-render

  // ---- checked reading of RPC values --------------------------------------------------------

  class ShapeError extends Error {}

  function int(value, what) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ShapeError(`${what}: expected a non-negative integer`);
    }
    return value;
  }

  function optInt(value, what) {
    return value === null ? null : int(value, what);
  }

  function hex(value, what, maxChars) {
    if (typeof value !== "string" || value.length > maxChars || !/^([0-9a-f]{2})*$/.test(value)) {
      throw new ShapeError(`${what}: expected hex of at most ${maxChars / 2} bytes`);
    }
    return value;
  }

  function decimal(value, what) {
    if (typeof value !== "string" || !/^[0-9]{1,40}$/.test(value)) {
      throw new ShapeError(`${what}: expected a decimal string`);
    }
    return value;
  }

  function text(value, what, maxChars = 200) {
    if (typeof value !== "string") throw new ShapeError(`${what}: expected a string`);
    return value.length > maxChars ? `${value.slice(0, maxChars)}...` : value;
  }

  function record(value, what) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ShapeError(`${what}: expected an object`);
    }
    return value;
  }

  function list(value, what, maxItems) {
    if (!Array.isArray(value) || value.length > maxItems) {
      throw new ShapeError(`${what}: expected a list of at most ${maxItems}`);
    }
    return value;
  }

  // ---- bytes ---------------------------------------------------------------------------------

  function hexToBytes(hexText) {
    const bytes = new Uint8Array(hexText.length / 2);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(hexText.slice(2 * i, 2 * i + 2), 16);
    }
    return bytes;
  }

  function bytesToHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The set bits of a little-endian bitfield (zkpov.spec.encoding.compute_bitfield).
  function getBitIndices(hexText) {
    const indices = [];
    hexToBytes(hexText).forEach((byte, i) => {
      for (let bit = 0; bit < 8; bit++) if ((byte >> bit) & 1) indices.push(8 * i + bit);
    });
    return indices;
  }

  // A transfer's 136 bytes: sender, recipient (u64 BE), recipient key (32), amount, fee, nonce
  // (u64 BE), signature (64). null when the length is not a transfer's.
  function decodeTransfer(txHex) {
    if (txHex.length !== TRANSFER_HEX) return null;
    const u64 = (at) => BigInt(`0x${txHex.slice(at, at + 16)}`).toString();
    return {
      sender: u64(0), recipient: u64(16), recipientKey: txHex.slice(32, 96),
      amount: u64(96), fee: u64(112), nonce: u64(128),
    };
  }

  async function computeTxHash(txHex) {
    if (!globalThis.crypto || !crypto.subtle) return null; // not a secure context
    const digest = await crypto.subtle.digest("SHA-256", hexToBytes(txHex));
    return bytesToHex(new Uint8Array(digest));
  }

  // ---- carried proofs: msgpack [[height, proof bytes], ...], the only shapes it may take -----

  function readByte(reader) {
    if (reader.at >= reader.bytes.length) throw new ShapeError("carried proofs: truncated");
    return reader.bytes[reader.at++];
  }

  function readBigEndian(reader, size) {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + readByte(reader);
    if (!Number.isSafeInteger(value)) throw new ShapeError("carried proofs: number too large");
    return value;
  }

  function readArrayLength(reader) {
    const tag = readByte(reader);
    if (tag >= 0x90 && tag <= 0x9f) return tag - 0x90;
    if (tag === 0xdc) return readBigEndian(reader, 2);
    throw new ShapeError("carried proofs: expected an array");
  }

  function readUint(reader) {
    const tag = readByte(reader);
    if (tag <= 0x7f) return tag;
    const sizes = { 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8 };
    if (!(tag in sizes)) throw new ShapeError("carried proofs: expected a height");
    return readBigEndian(reader, sizes[tag]);
  }

  function readBinLength(reader) {
    const sizes = { 0xc4: 1, 0xc5: 2, 0xc6: 4 };
    const tag = readByte(reader);
    if (!(tag in sizes)) throw new ShapeError("carried proofs: expected proof bytes");
    const length = readBigEndian(reader, sizes[tag]);
    if (length > 512 || reader.at + length > reader.bytes.length) {
      throw new ShapeError("carried proofs: bad proof length");
    }
    reader.at += length;
    return length;
  }

  function decodeCarriedProofs(proofHex) {
    if (proofHex === "") return [];
    const reader = { bytes: hexToBytes(proofHex), at: 0 };
    const count = readArrayLength(reader);
    if (count > 16) throw new ShapeError("carried proofs: more than 16");
    const proofs = [];
    for (let i = 0; i < count; i++) {
      if (readArrayLength(reader) !== 2) throw new ShapeError("carried proofs: bad entry");
      proofs.push({ height: readUint(reader), size: readBinLength(reader) });
    }
    if (reader.at !== reader.bytes.length) throw new ShapeError("carried proofs: trailing bytes");
    return proofs;
  }

  // ---- the RPC ---------------------------------------------------------------------------------

  class RpcError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function rpc(path, params = {}) {
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

  function parseBlock(doc) {
    const block = record(doc, "block");
    const header = record(block.header, "header");
    const qc = record(block.qc, "qc");
    let proofs;
    try {
      proofs = decodeCarriedProofs(hex(block.proof, "proof", 64 * 1024));
    } catch (err) {
      proofs = null; // shown as undecodable
    }
    return {
      id: hex(block.block_id, "block_id", 64),
      height: int(header.height, "height"),
      round: int(header.round, "round"),
      epoch: int(header.epoch, "epoch"),
      proposer: int(header.proposer, "proposer"),
      parentId: hex(header.parent_id, "parent_id", 64),
      stateRoot: hex(header.state_root, "state_root", 64),
      txs: list(block.txs, "txs", MAX_TXS).map((tx) => hex(tx, "tx", 2048)),
      qcRound: int(qc.round, "qc round"),
      qcSigners: getBitIndices(hex(qc.signers, "signers", 16384)),
      proofs,
    };
  }

  async function getBlock(height) {
    if (blocks.has(height)) return blocks.get(height);
    const block = parseBlock(await rpc("/block", { height }));
    blocks.set(height, block);
    while (blocks.size > MAX_CACHED_BLOCKS) blocks.delete(Math.min(...blocks.keys()));
    return block;
  }

  async function refreshStatus() {
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

  // ---- the heights panel, live -----------------------------------------------------------------

  function setHeights(update) {
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

  function setLive(on) {
    const badge = document.getElementById("live");
    badge.textContent = on ? "live" : "offline";
    badge.className = on ? "badge on" : "badge off";
    badge.dataset.events = String(eventCount);
  }

  function onEvent(type, data) {
    if (typeof data !== "string" || data.length > 4096) return;
    let event;
    try {
      event = record(JSON.parse(data), "event");
      int(event.height, "height");
      int(event.round, "round");
    } catch {
      return;
    }
    eventCount += 1;
    document.getElementById("live").dataset.events = String(eventCount);
    if (type === "new_block") setHeights({ tip: event.height, round: event.round });
    if (type === "finalized") setHeights({ finalized: event.height });
    if (type === "proven_final") setHeights({ proven: event.height });
    if (type !== "new_block") scheduleRefresh();
  }

  function connectEvents() {
    const source = new EventSource("/events");
    source.onopen = () => {
      setLive(true);
      refreshStatus().catch(showError); // events are not replayed: resync after a reconnect
    };
    source.onerror = () => setLive(false); // EventSource reconnects by itself
    for (const type of ["new_block", "finalized", "proven_final"]) {
      source.addEventListener(type, (message) => onEvent(type, message.data));
    }
  }

  function scheduleRefresh() {
    if (refreshTimer !== null || pageSettled) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      render(true);
    }, REFRESH_MS);
  }

  // ---- DOM helpers (text only) -------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // Links are built from checked integers and hex only.
  const blockLink = (height) => el("a", { href: `#/block/${int(height, "height")}` }, height);
  const accountLink = (index) => el("a", { href: `#/account/${decimal(index, "account")}` }, index);
  const txLink = (hash) => el("a", { href: `#/tx/${hex(hash, "hash", 64)}`, class: "mono" }, hash);

  function short(hexText) {
    return el("span", { class: "mono", title: hexText },
      hexText.length > 20 ? `${hexText.slice(0, 10)}...${hexText.slice(-8)}` : hexText);
  }

  function table(id, headers, rows) {
    const head = el("tr", null, ...headers.map(([label, cls]) => el("th", cls ? { class: cls } : null, label)));
    const body = rows.map((cells) => el("tr", null, ...cells.map(([value, cls]) => el("td", cls ? { class: cls } : null, value))));
    return el("table", { id }, el("thead", null, head), el("tbody", null, ...body));
  }

  function fields(pairs) {
    const list = el("dl", { class: "fields" });
    for (const [label, value] of pairs) list.append(el("dt", null, label), el("dd", null, value));
    return list;
  }

  function proofStatus(height) {
    if (live.proven !== null && height <= live.proven) return el("span", { class: "proven" }, "proven");
    return el("span", { class: "pending" }, "not yet proven");
  }

  function describeCarried(proofs) {
    if (proofs === null) return "undecodable";
    return proofs.length === 0 ? "-" : proofs.map((p) => p.height).join(", ");
  }

  // ---- the pages ---------------------------------------------------------------------------

  async function getRecentBlocks() {
    if (live.finalized === null) return [];
    const low = Math.max(live.earliest, live.finalized - RECENT_BLOCKS + 1, 0);
    const heights = [];
    for (let h = live.finalized; h >= low; h--) heights.push(h);
    const found = await Promise.all(heights.map((h) => getBlock(h).catch(() => null)));
    return found.filter((block) => block !== null);
  }

  async function renderValidators(recent) {
    const doc = record(await rpc("/validators", { page: validatorPage, per_page: PER_PAGE }), "validators");
    const total = int(doc.total, "total");
    const signed = new Map();
    recent = recent.filter((block) => block.height >= 2); // blocks 0 and 1 carry no signed QC
    for (const block of recent) for (const i of block.qcSigners) signed.set(i, (signed.get(i) || 0) + 1);
    const rows = list(doc.validators, "validators", PER_PAGE).map((raw) => {
      const v = record(raw, "validator");
      const index = int(v.index, "index");
      const count = signed.get(index) || 0;
      const share = recent.length ? `${count}/${recent.length} (${Math.round((100 * count) / recent.length)}%)` : "-";
      const stake = decimal(v.voting_power, "voting_power");
      const weight = decimal(v.leader_weight, "leader_weight");
      return [[index, "num"], [short(hex(v.pubkey, "pubkey", 192))], [stake, "num"],
        [describeReputation(stake, weight), "num"], [weight, "num"], [share, "num"]];
    });
    const section = el("section", null,
      el("h2", null, `Validators (${total})`),
      table("validators", [["index", "num"], ["public key"], ["stake", "num"], ["reputation", "num"],
        ["leader weight", "num"], [`signed QCs, last ${recent.length} blocks`, "num"]], rows));
    if (total > PER_PAGE) section.append(renderPager(total));
    section.append(el("p", { class: "muted" }, "Leader weight: stake x reputation (1, 10 or 1000) "
      + "of the latest reputation window the committed chain made final, as the node reports it."));
    return section;
  }

  // The reputation factor: leader weight / stake, when it divides (else "-").
  function describeReputation(stake, weight) {
    const s = BigInt(stake);
    const w = BigInt(weight);
    return s > 0n && w % s === 0n ? `x${w / s}` : "-";
  }

  function renderPager(total) {
    const pages = Math.ceil(total / PER_PAGE);
    const move = (step) => () => {
      validatorPage = Math.min(pages, Math.max(1, validatorPage + step));
      render();
    };
    const back = el("button", { type: "button" }, "previous");
    const next = el("button", { type: "button" }, "next");
    back.disabled = validatorPage <= 1;
    next.disabled = validatorPage >= pages;
    back.addEventListener("click", move(-1));
    next.addEventListener("click", move(1));
    return el("div", { class: "pager" }, back, `page ${validatorPage} of ${pages}`, next);
  }

  function renderBlocks(recent) {
    const rows = recent.map((b) => [[blockLink(b.height), "num"], [b.round, "num"], [b.proposer, "num"],
      [b.txs.length, "num"], [b.qcSigners.length, "num"], [describeCarried(b.proofs)], [proofStatus(b.height)]]);
    return el("section", null, el("h2", null, "Latest blocks"),
      table("blocks", [["height", "num"], ["round", "num"], ["proposer", "num"], ["transfers", "num"],
        ["QC signers", "num"], ["carries proofs of"], ["validity proof"]], rows),
      el("p", { class: "muted" }, "QC signers: the certificate each block carries, for its parent. "
        + "Block timestamps are not in the RPC yet."));
  }

  async function renderHome() {
    pageSettled = false;
    const recent = await getRecentBlocks();
    return [await renderValidators(recent), renderBlocks(recent)];
  }

  async function renderTransfers(block) {
    const rows = await Promise.all(block.txs.map(async (tx, i) => {
      const transfer = decodeTransfer(tx);
      const hash = await computeTxHash(tx);
      if (transfer === null) return [[i, "num"], [hash ? txLink(hash) : "-"], [`${tx.length / 2} bytes, not a transfer`], [""], [""], [""], [""]];
      return [[i, "num"], [hash ? txLink(hash) : "-"], [accountLink(transfer.sender)], [accountLink(transfer.recipient)],
        [transfer.amount, "num"], [transfer.fee, "num"], [transfer.nonce, "num"]];
    }));
    return el("section", null, el("h2", null, `Transfers (${block.txs.length})`),
      table("transfers", [["#", "num"], ["hash"], ["from account"], ["to account"], ["amount", "num"],
        ["fee", "num"], ["nonce", "num"]], rows));
  }

  function describeSigners(indices) {
    return indices.length ? `${indices.length}: validators ${indices.join(", ")}` : "none";
  }

  async function renderCertificates(block) {
    const pairs = [[`QC carried (certifies the parent, round ${block.qcRound})`, describeSigners(block.qcSigners)]];
    try {
      const commit = record(await rpc("/commit", { height: block.height }), "commit");
      const own = record(commit.certificate, "certificate");
      pairs.push(["QC certifying this block", describeSigners(getBitIndices(hex(own.signers, "signers", 16384)))]);
      const child = commit.commit_certificate === null ? null : record(commit.commit_certificate, "commit_certificate");
      const noChild = block.height >= live.finalized ? "none yet: its child is not committed"
        : "none: committed as an ancestor of a later block";
      pairs.push(["2-chain commit QC (its child)", child === null ? noChild
        : describeSigners(getBitIndices(hex(child.signers, "signers", 16384)))]);
    } catch (err) {
      pairs.push(["QC certifying this block", err instanceof RpcError ? err.message : "unreadable"]);
    }
    return el("section", null, el("h2", null, "Quorum certificates"), fields(pairs));
  }

  function renderCarried(block) {
    let body;
    if (block.proofs === null) body = el("p", null, "undecodable proof field");
    else if (block.proofs.length === 0) body = el("p", { class: "muted" }, "This block carries no proofs.");
    else body = table("carried", [["proves block"], ["proof size (bytes)", "num"]],
      block.proofs.map((p) => [[blockLink(p.height)], [p.size, "num"]]));
    return el("section", null, el("h2", null, "Carried proofs"), body);
  }

  async function describeOwnProof(height) {
    if (live.proven === null || height > live.proven) return proofStatus(height);
    try {
      const proof = record(await rpc("/light/proof", { height }), "proof");
      const circuit = text(proof.circuit_id, "circuit_id", 100);
      return `proven (circuit ${circuit}, ${hex(proof.proof, "proof", 1024).length / 2} bytes)`;
    } catch (err) {
      return proofStatus(height);
    }
  }

  async function renderBlock(height) {
    const block = await getBlock(height);
    // settled once proven and followed by a block (its 2-chain QC and next link are known)
    pageSettled = live.proven !== null && height <= live.proven && live.finalized > height;
    const nav = el("p", null, height > 0 ? blockLink(height - 1) : "", " < this block > ",
      live.finalized !== null && height < live.finalized ? blockLink(height + 1) : "");
    return [el("h2", { id: "block-title" }, `Block ${block.height}`), nav,
      fields([["block id", el("span", { class: "mono" }, block.id)],
        ["parent", el("span", { class: "mono" }, block.parentId)], ["epoch", block.epoch],
        ["round", block.round], ["proposer", block.proposer],
        ["state root", el("span", { class: "mono" }, block.stateRoot)],
        ["validity proof", await describeOwnProof(block.height)]]),
      await renderTransfers(block), await renderCertificates(block), renderCarried(block)];
  }

  async function renderTx(hash) {
    const tx = record(await rpc("/tx", { hash }), "tx");
    const status = text(tx.status, "status", 20);
    pageSettled = status !== "pending";
    const height = optInt(tx.height, "height");
    const pairs = [["hash", el("span", { class: "mono" }, hash)], ["status", status],
      ["block", height === null ? "-" : blockLink(height)], ["index in block", optInt(tx.index, "index") ?? "-"]];
    if (tx.reason !== null) pairs.push(["reason", text(tx.reason, "reason", 100)]);
    if (tx.message !== null) pairs.push(["message", text(tx.message, "message", 300)]);
    const transfer = tx.tx === null ? null : decodeTransfer(hex(tx.tx, "tx", 2048));
    if (transfer !== null) {
      pairs.push(["from account", accountLink(transfer.sender)], ["to account", accountLink(transfer.recipient)],
        ["recipient key", el("span", { class: "mono" }, transfer.recipientKey)],
        ["amount", transfer.amount], ["fee", transfer.fee], ["nonce", transfer.nonce]);
    }
    return [el("h2", null, "Transaction"), fields(pairs)];
  }

  async function renderAccount(index) {
    pageSettled = false; // balances move
    const doc = record(await rpc("/account", { index }), "account");
    const key = doc.public_key === null ? "empty slot" : el("span", { class: "mono" }, hex(doc.public_key, "public_key", 64));
    return [el("h2", null, `Account ${decimal(doc.index, "index")}`), fields([
      ["public key", key], ["balance", decimal(doc.balance, "balance")], ["nonce", int(doc.nonce, "nonce")],
      ["next nonce (after pending)", int(doc.pending_nonce, "pending_nonce")],
      ["as of height", blockLink(int(doc.height, "height"))],
      ["state root", el("span", { class: "mono" }, hex(doc.state_root, "state_root", 64))]])];
  }

  // ---- routing -------------------------------------------------------------------------------

  function parseRoute(hash) {
    let match = /^#\/block\/([0-9]{1,15})$/.exec(hash);
    if (match) return { page: "block", height: Number(match[1]) };
    match = /^#\/tx\/(?:0x)?([0-9a-fA-F]{64})$/.exec(hash);
    if (match) return { page: "tx", hash: match[1].toLowerCase() };
    match = /^#\/account\/([0-9]{1,20})$/.exec(hash);
    if (match) return { page: "account", index: match[1] };
    return { page: "home" };
  }

  function routeOfQuery(query) {
    const q = query.trim();
    if (/^[0-9]{1,15}$/.test(q)) return `#/block/${q}`;
    if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) return `#/tx/${q.replace(/^0x/, "").toLowerCase()}`;
    const account = /^(?:@|account\s*)([0-9]{1,20})$/i.exec(q);
    if (account) return `#/account/${account[1]}`;
    return null;
  }

  function showError(err) {
    const box = document.getElementById("error");
    box.textContent = err instanceof Error ? err.message : String(err);
    box.hidden = false;
  }

  async function render(quiet = false) {
    const seq = ++renderSeq;
    const route = parseRoute(window.location.hash);
    try {
      if (live.finalized === null) await refreshStatus();
      let nodes;
      if (route.page === "block") nodes = await renderBlock(route.height);
      else if (route.page === "tx") nodes = await renderTx(route.hash);
      else if (route.page === "account") nodes = await renderAccount(route.index);
      else nodes = await renderHome();
      if (seq !== renderSeq) return; // a newer render started meanwhile
      document.getElementById("error").hidden = true;
      document.getElementById("view").replaceChildren(...nodes);
      document.body.dataset.page = route.page;
    } catch (err) {
      if (seq === renderSeq && !quiet) {
        document.getElementById("view").replaceChildren();
        showError(err);
      }
    }
  }

  function start() {
    document.getElementById("search").addEventListener("submit", (event) => {
      event.preventDefault();
      const target = routeOfQuery(document.getElementById("query").value);
      if (target === null) showError("search for a block height, a 64-hex transaction hash, or @account index");
      else window.location.hash = target;
    });
    window.addEventListener("hashchange", () => render());
    render();
    connectEvents();
  }

  start();
})();
