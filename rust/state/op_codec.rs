//! The wire format of staking ops and payouts (see `operations`), decoded with the cheap checks
//! (length, version, op code, amounts, commission) before any point is decoded.
#![forbid(unsafe_code)]

use super::accounts::{Transfer, TRANSFER_BYTES};
use super::operations::*;
use crate::error::{decode_err, CoreResult};
use crate::schnorr;
use ark_bls12_381::Fr;

fn u64_at(bytes: &[u8], i: usize) -> u64 {
    u64::from_be_bytes(bytes[i..i + 8].try_into().expect("8 bytes"))
}

fn check_commission(bytes: &[u8]) -> CoreResult<()> {
    let bps = u16::from_be_bytes(bytes.try_into().expect("2 bytes"));
    if bps > MAX_COMMISSION_BPS {
        return Err(decode_err(format!(
            "commission {bps} bps is above {MAX_COMMISSION_BPS}"
        )));
    }
    Ok(())
}

/// The op-specific checks of a body of the right length.
fn check_body(op: u8, body: &[u8]) -> CoreResult<()> {
    match op {
        OP_CREATE_VALIDATOR => check_commission(&body[BLS_PUBLIC_KEY_BYTES + BLS_POP_BYTES..]),
        OP_EDIT_VALIDATOR => check_commission(body),
        OP_UNDELEGATE if u64_at(body, 0) == 0 => Err(decode_err("undelegate amount must be > 0")),
        _ => Ok(()),
    }
}

/// The amount rule: bonding ops move a positive amount, the others none.
pub fn check_amount(op: u8, amount: u64) -> CoreResult<()> {
    match (is_bonding(op), amount) {
        (true, 0) => Err(decode_err("a bonding op must move a positive amount")),
        (false, a) if a != 0 => Err(decode_err(format!("op {op} must have amount 0, got {a}"))),
        _ => Ok(()),
    }
}

/// The staking op header's fields, checked before the (costlier) signature decoding.
fn decode_stake_header(bytes: &[u8], op: u8) -> CoreResult<(u64, u32, u64, u64, u64)> {
    let body_len = get_body_len(op).ok_or_else(|| decode_err(format!("unknown op code {op}")))?;
    let want = STAKE_OP_HEADER_BYTES + body_len + schnorr::SIGNATURE_BYTES;
    if bytes.len() != want {
        return Err(decode_err(format!(
            "op {op} must be {want} bytes, got {}",
            bytes.len()
        )));
    }
    let target = u32::from_be_bytes(bytes[10..14].try_into().expect("4 bytes"));
    if op == OP_CREATE_VALIDATOR && target != 0 {
        return Err(decode_err("create_validator must have target 0"));
    }
    let amount = u64_at(bytes, 14);
    check_amount(op, amount)?;
    Ok((
        u64_at(bytes, 2),
        target,
        amount,
        u64_at(bytes, 22),
        u64_at(bytes, 30),
    ))
}

impl StakeOp {
    /// Decodes everything but the signature (so a signer can compute the message).
    pub fn decode_unsigned(bytes: &[u8], chain_tag: Fr) -> CoreResult<Self> {
        if bytes.len() < STAKE_OP_HEADER_BYTES || bytes[0] != OP_FORMAT_VERSION {
            return Err(decode_err("not a version-1 staking op"));
        }
        let op = bytes[1];
        let mut padded = bytes.to_vec();
        padded.extend_from_slice(&[0u8; schnorr::SIGNATURE_BYTES]);
        let (sender, target, amount, fee, nonce) = decode_stake_header(&padded, op)?;
        let body = bytes[STAKE_OP_HEADER_BYTES..].to_vec();
        check_body(op, &body)?;
        let signature = unsigned_signature(); // a placeholder until `decode` reads the real one
        Ok(StakeOp {
            op,
            sender,
            target,
            amount,
            fee,
            nonce,
            body,
            signature,
            chain_tag,
        })
    }

    fn decode(bytes: &[u8], chain_tag: Fr) -> CoreResult<Self> {
        let op = bytes[1];
        decode_stake_header(bytes, op)?;
        let split = bytes.len() - schnorr::SIGNATURE_BYTES;
        let unsigned = Self::decode_unsigned(&bytes[..split], chain_tag)?;
        let signature = schnorr::decode_signature(&bytes[split..])?;
        Ok(StakeOp {
            signature,
            ..unsigned
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![OP_FORMAT_VERSION, self.op];
        out.extend_from_slice(&self.sender.to_be_bytes());
        out.extend_from_slice(&self.target.to_be_bytes());
        for v in [self.amount, self.fee, self.nonce] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&self.body);
        out.extend_from_slice(&schnorr::encode_signature(&self.signature));
        out
    }
}

impl Payout {
    fn decode(bytes: &[u8], chain_tag: Fr) -> CoreResult<Self> {
        if bytes.len() != PAYOUT_BYTES {
            return Err(decode_err(format!(
                "payout must be {PAYOUT_BYTES} bytes, got {}",
                bytes.len()
            )));
        }
        let amount = u64_at(bytes, 42);
        if amount == 0 {
            return Err(decode_err("payout amount must be > 0"));
        }
        Ok(Payout {
            recipient: u64_at(bytes, 2),
            recipient_pk: schnorr::decode_public_key(&bytes[10..42])?,
            amount,
            chain_tag,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![OP_FORMAT_VERSION, OP_PAYOUT];
        out.extend_from_slice(&self.recipient.to_be_bytes());
        out.extend_from_slice(&schnorr::encode_point(&self.recipient_pk));
        out.extend_from_slice(&self.amount.to_be_bytes());
        out
    }
}

impl Operation {
    /// Any operation's bytes: 136 is a transfer, anything else a versioned op (cheap checks of
    /// length, version and op code before any point is decoded).
    pub fn decode(bytes: &[u8], chain_tag: Fr) -> CoreResult<Self> {
        if bytes.len() == TRANSFER_BYTES {
            return Transfer::decode(bytes, chain_tag).map(Operation::Transfer);
        }
        if bytes.len() < 2 || bytes.len() > MAX_OPERATION_BYTES {
            return Err(decode_err(format!(
                "an operation is 136 bytes or 2 to {MAX_OPERATION_BYTES}, got {}",
                bytes.len()
            )));
        }
        if bytes[0] != OP_FORMAT_VERSION {
            return Err(decode_err(format!(
                "unknown op format version {}",
                bytes[0]
            )));
        }
        match bytes[1] {
            OP_PAYOUT => Payout::decode(bytes, chain_tag).map(Operation::Payout),
            _ => StakeOp::decode(bytes, chain_tag).map(Operation::Stake),
        }
    }
}
