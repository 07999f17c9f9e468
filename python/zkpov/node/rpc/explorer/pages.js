// The pages: home (validators, latest blocks), a block, a transaction, an account. Each render
// returns DOM nodes and says in ``shown.settled`` whether what it shows can still change.

import {
  computeTxHash, decimal, decodeTransfer, getBitIndices, hex, int, list, optInt, record, text,
} from "./decode.js";
import {
  accountLink, blockLink, describeCarried, describeReputation, describeSigners, el, fields,
  proofStatus, short, table, txLink,
} from "./dom.js";
import { RpcError, getBlock, getRecentBlocks, live, rpc } from "./node.js";

const PER_PAGE = 100; // the RPC's maximum per_page

// settled: the page shown cannot change any more (no live re-render); validatorPage: the page
// of the validators table; onChange: re-render after a click (set by explorer.js).
export const shown = { settled: false, validatorPage: 1, onChange: () => {} };

async function renderValidators(recent) {
  const asked = { page: shown.validatorPage, per_page: PER_PAGE };
  const doc = record(await rpc("/validators", asked), "validators");
  const total = int(doc.total, "total");
  const signed = new Map();
  recent = recent.filter((block) => block.height >= 2); // blocks 0 and 1 carry no signed QC
  for (const block of recent) {
    for (const i of block.qcSigners) signed.set(i, (signed.get(i) || 0) + 1);
  }
  const rows = list(doc.validators, "validators", PER_PAGE).map((raw) => {
    const v = record(raw, "validator");
    const index = int(v.index, "index");
    const count = signed.get(index) || 0;
    const percent = Math.round((100 * count) / recent.length);
    const share = recent.length ? `${count}/${recent.length} (${percent}%)` : "-";
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

function renderPager(total) {
  const pages = Math.ceil(total / PER_PAGE);
  const move = (step) => () => {
    shown.validatorPage = Math.min(pages, Math.max(1, shown.validatorPage + step));
    shown.onChange();
  };
  const back = el("button", { type: "button" }, "previous");
  const next = el("button", { type: "button" }, "next");
  back.disabled = shown.validatorPage <= 1;
  next.disabled = shown.validatorPage >= pages;
  back.addEventListener("click", move(-1));
  next.addEventListener("click", move(1));
  return el("div", { class: "pager" }, back, `page ${shown.validatorPage} of ${pages}`, next);
}

function renderBlocks(recent) {
  const rows = recent.map((b) => [
    [blockLink(b.height), "num"], [formatTime(b.timeMs)], [b.round, "num"], [b.proposer, "num"],
    [b.txs.length, "num"],
    [b.qcSigners.length, "num"], [describeCarried(b.proofs)], [proofStatus(b.height)],
  ]);
  return el("section", null, el("h2", null, "Latest blocks"),
    table("blocks", [["height", "num"], ["time (UTC)"], ["round", "num"], ["proposer", "num"],
      ["transfers", "num"], ["QC signers", "num"], ["carries proofs of"], ["validity proof"]], rows),
    el("p", { class: "muted" }, "QC signers: the certificate each block carries, for its parent. "
      + "Time: the proposer's clock, checked by voters to within 5 s of theirs."));
}

// A block's timestamp (Unix ms) as UTC; the genesis block carries none (0).
function formatTime(ms) {
  return ms === 0 ? "-" : new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

export async function renderHome() {
  shown.settled = false;
  const recent = await getRecentBlocks();
  return [await renderValidators(recent), renderBlocks(recent)];
}

async function renderTransfers(block) {
  const rows = await Promise.all(block.txs.map(async (tx, i) => {
    const transfer = decodeTransfer(tx);
    const hash = await computeTxHash(tx);
    const link = hash ? txLink(hash) : "-";
    if (transfer === null) {
      const note = `${tx.length / 2} bytes, not a transfer`;
      return [[i, "num"], [link], [note], [""], [""], [""], [""]];
    }
    return [[i, "num"], [link], [accountLink(transfer.sender)], [accountLink(transfer.recipient)],
      [transfer.amount, "num"], [transfer.fee, "num"], [transfer.nonce, "num"]];
  }));
  return el("section", null, el("h2", null, `Transfers (${block.txs.length})`),
    table("transfers", [["#", "num"], ["hash"], ["from account"], ["to account"], ["amount", "num"],
      ["fee", "num"], ["nonce", "num"]], rows));
}

async function renderCertificates(block) {
  const signersOf = (qc) => describeSigners(getBitIndices(hex(qc.signers, "signers", 16384)));
  const carried = `QC carried (certifies the parent, round ${block.qcRound})`;
  const pairs = [[carried, describeSigners(block.qcSigners)]];
  try {
    const commit = record(await rpc("/commit", { height: block.height }), "commit");
    pairs.push(["QC certifying this block", signersOf(record(commit.certificate, "certificate"))]);
    const child = commit.commit_certificate;
    const noChild = block.height >= live.finalized ? "none yet: its child is not committed"
      : "none: committed as an ancestor of a later block";
    pairs.push(["2-chain commit QC (its child)",
      child === null ? noChild : signersOf(record(child, "commit_certificate"))]);
  } catch (err) {
    pairs.push(["QC certifying this block", err instanceof RpcError ? err.message : "unreadable"]);
  }
  return el("section", null, el("h2", null, "Quorum certificates"), fields(pairs));
}

function renderCarried(block) {
  let body;
  if (block.proofs === null) body = el("p", null, "undecodable proof field");
  else if (block.proofs.length === 0) {
    body = el("p", { class: "muted" }, "This block carries no proofs.");
  } else {
    body = table("carried", [["proves block"], ["proof size (bytes)", "num"]],
      block.proofs.map((p) => [[blockLink(p.height)], [p.size, "num"]]));
  }
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

export async function renderBlock(height) {
  const block = await getBlock(height);
  // settled once proven and followed by a block (its 2-chain QC and next link are known)
  shown.settled = live.proven !== null && height <= live.proven && live.finalized > height;
  const nav = el("p", null, height > 0 ? blockLink(height - 1) : "", " < this block > ",
    live.finalized !== null && height < live.finalized ? blockLink(height + 1) : "");
  return [el("h2", { id: "block-title" }, `Block ${block.height}`), nav,
    fields([["block id", el("span", { class: "mono" }, block.id)],
      ["parent", el("span", { class: "mono" }, block.parentId)], ["epoch", block.epoch],
      ["round", block.round], ["proposer", block.proposer],
      ["time (UTC)", formatTime(block.timeMs)],
      ["state root", el("span", { class: "mono" }, block.stateRoot)],
      ["validity proof", await describeOwnProof(block.height)]]),
    await renderTransfers(block), await renderCertificates(block), renderCarried(block)];
}

export async function renderTx(hash) {
  const tx = record(await rpc("/tx", { hash }), "tx");
  const status = text(tx.status, "status", 20);
  shown.settled = status !== "pending";
  const height = optInt(tx.height, "height");
  const pairs = [["hash", el("span", { class: "mono" }, hash)], ["status", status],
    ["block", height === null ? "-" : blockLink(height)],
    ["index in block", optInt(tx.index, "index") ?? "-"]];
  if (tx.reason !== null) pairs.push(["reason", text(tx.reason, "reason", 100)]);
  if (tx.message !== null) pairs.push(["message", text(tx.message, "message", 300)]);
  const transfer = tx.tx === null ? null : decodeTransfer(hex(tx.tx, "tx", 2048));
  if (transfer !== null) {
    pairs.push(["from account", accountLink(transfer.sender)],
      ["to account", accountLink(transfer.recipient)],
      ["recipient key", el("span", { class: "mono" }, transfer.recipientKey)],
      ["amount", transfer.amount], ["fee", transfer.fee], ["nonce", transfer.nonce]);
  }
  return [el("h2", null, "Transaction"), fields(pairs)];
}

export async function renderAccount(index) {
  shown.settled = false; // balances move
  const doc = record(await rpc("/account", { index }), "account");
  const key = doc.public_key === null ? "empty slot"
    : el("span", { class: "mono" }, hex(doc.public_key, "public_key", 64));
  return [el("h2", null, `Account ${decimal(doc.index, "index")}`), fields([
    ["public key", key], ["balance", decimal(doc.balance, "balance")],
    ["nonce", int(doc.nonce, "nonce")],
    ["next nonce (after pending)", int(doc.pending_nonce, "pending_nonce")],
    ["as of height", blockLink(int(doc.height, "height"))],
    ["state root", el("span", { class: "mono" }, hex(doc.state_root, "state_root", 64))]])];
}
