// DOM building with text only: strings become text nodes (append), never markup; links are
// built from checked integers and hex.

import { decimal, hex, int } from "./decode.js";
import { live } from "./node.js";

export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child)); // a string: a text node
  }
  return node;
}

export function blockLink(height) {
  return el("a", { href: `#/block/${int(height, "height")}` }, height);
}

export function accountLink(index) {
  return el("a", { href: `#/account/${decimal(index, "account")}` }, index);
}

export function txLink(hash) {
  return el("a", { href: `#/tx/${hex(hash, "hash", 64)}`, class: "mono" }, hash);
}

export function short(hexText) {
  return el("span", { class: "mono", title: hexText },
    hexText.length > 20 ? `${hexText.slice(0, 10)}...${hexText.slice(-8)}` : hexText);
}

// headers: [label, class?] each; rows: [[value, class?], ...] each.
export function table(id, headers, rows) {
  const cell = (tag) => ([value, cls]) => el(tag, cls ? { class: cls } : null, value);
  const head = el("tr", null, ...headers.map(cell("th")));
  const body = rows.map((cells) => el("tr", null, ...cells.map(cell("td"))));
  return el("table", { id }, el("thead", null, head), el("tbody", null, ...body));
}

export function fields(pairs) {
  const list = el("dl", { class: "fields" });
  for (const [label, value] of pairs) list.append(el("dt", null, label), el("dd", null, value));
  return list;
}

export function proofStatus(height) {
  if (live.proven !== null && height <= live.proven) {
    return el("span", { class: "proven" }, "proven");
  }
  return el("span", { class: "pending" }, "not yet proven");
}

export function describeCarried(proofs) {
  if (proofs === null) return "undecodable";
  return proofs.length === 0 ? "-" : proofs.map((p) => p.height).join(", ");
}

// The count and the first 64 signer indices (a 1000-validator QC would be a wall of numbers).
export function describeSigners(indices) {
  if (!indices.length) return "none";
  const more = indices.length > 64 ? ` and ${indices.length - 64} more` : "";
  return `${indices.length}: validators ${indices.slice(0, 64).join(", ")}${more}`;
}

// The reputation factor: leader weight / stake, when it divides (else "-").
export function describeReputation(stake, weight) {
  const s = BigInt(stake);
  const w = BigInt(weight);
  return s > 0n && w % s === 0n ? `x${w / s}` : "-";
}

