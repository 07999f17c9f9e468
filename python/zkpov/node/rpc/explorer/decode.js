// Checked reading of what the RPC sends: every value is hostile until checked here (numbers are
// safe integers, hex is hex of a bounded length, lists are capped) and the byte formats are
// decoded strictly: bitfields, transfers, the carried proofs' one msgpack shape, blocks.

const MAX_TXS = 4096; // zkpov.spec.codec.payload.MAX_TRANSFERS_PER_BLOCK
const TRANSFER_HEX = 272; // 136 bytes: see zkpov.chain.state

export class ShapeError extends Error {}

export function int(value, what) {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ShapeError(`${what}: expected a non-negative integer`);
  }
  return value;
}

export function optInt(value, what) {
  return value === null ? null : int(value, what);
}

export function hex(value, what, maxChars) {
  if (typeof value !== "string" || value.length > maxChars || !/^([0-9a-f]{2})*$/.test(value)) {
    throw new ShapeError(`${what}: expected hex of at most ${maxChars / 2} bytes`);
  }
  return value;
}

export function decimal(value, what) {
  if (typeof value !== "string" || !/^[0-9]{1,40}$/.test(value)) {
    throw new ShapeError(`${what}: expected a decimal string`);
  }
  return value;
}

export function text(value, what, maxChars = 200) {
  if (typeof value !== "string") throw new ShapeError(`${what}: expected a string`);
  return value.length > maxChars ? `${value.slice(0, maxChars)}...` : value;
}

export function record(value, what) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ShapeError(`${what}: expected an object`);
  }
  return value;
}

export function list(value, what, maxItems) {
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
export function getBitIndices(hexText) {
  const indices = [];
  hexToBytes(hexText).forEach((byte, i) => {
    for (let bit = 0; bit < 8; bit++) if ((byte >> bit) & 1) indices.push(8 * i + bit);
  });
  return indices;
}

// A transfer's 136 bytes: sender, recipient (u64 BE), recipient key (32), amount, fee, nonce
// (u64 BE), signature (64). null when the length is not a transfer's.
export function decodeTransfer(txHex) {
  if (txHex.length !== TRANSFER_HEX) return null;
  const u64 = (at) => BigInt(`0x${txHex.slice(at, at + 16)}`).toString();
  return {
    sender: u64(0), recipient: u64(16), recipientKey: txHex.slice(32, 96),
    amount: u64(96), fee: u64(112), nonce: u64(128),
  };
}

export async function computeTxHash(txHex) {
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

export function parseBlock(doc) {
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
    timeMs: int(header.timestamp_ms, "timestamp_ms"),
    parentId: hex(header.parent_id, "parent_id", 64),
    stateRoot: hex(header.state_root, "state_root", 64),
    txs: list(block.txs, "txs", MAX_TXS).map((tx) => hex(tx, "tx", 2048)),
    qcRound: int(qc.round, "qc round"),
    qcSigners: getBitIndices(hex(qc.signers, "signers", 16384)),
    proofs,
  };
}
