//! The witness one batch proof needs, without the whole state: the pre-state root, the chain
//! tag, and each touched account (every sender and recipient of the batch) with its Merkle path.
//! A remote prover rebuilds a partial `State` from it (`to_state`): the touched leaves, their
//! siblings and ancestors, every path checked against the pre-state root, and nothing else. A
//! batch reads and writes only the paths of its touched accounts, so running it on the partial
//! state yields the same witness, roots and commitment as on the full state.
//!
//! Bytes (version 1), integers big-endian, field elements as 32-byte big-endian canonical values:
//! `"ZKPW" || version u8 || depth u8 || chain_tag || pre_root || count u16 || entries`, entries
//! sorted by strictly increasing index, each `index u64 || present u8 (0 or 1) || [pk (32,
//! compressed Jubjub) || balance u64 || nonce u64 if present] || siblings (depth / 2 levels x 3
//! field elements, leaves first)`. At most `MAX_WITNESS_ACCOUNTS` entries and `MAX_WITNESS_BYTES`.
#![forbid(unsafe_code)]

use super::accounts::{Account, Transfer};
use super::batch_transition::State;
use super::smt::{
    check_depth, compute_children, get_digit, MemoryStore, NodeKey, NodeStore, Siblings, TreeShape,
    ARITY, NODE_TAG,
};
use crate::error::{decode_err, CoreError, CoreResult};
use crate::field::{fr_from_le_bytes, FR_BYTES};
use crate::poseidon::wide::hash4;
use crate::schnorr::{decode_public_key, encode_point};
use ark_bls12_381::Fr;
use ark_ff::{BigInteger, PrimeField};
use std::collections::{BTreeSet, HashMap};

pub const WITNESS_MAGIC: &[u8; 4] = b"ZKPW";
pub const WITNESS_VERSION: u8 = 1;
/// Two touched accounts per transfer at the largest batch (`circuits::MAX_BATCH_SIZE`).
pub const MAX_WITNESS_ACCOUNTS: usize = 2048;
/// 2,048 accounts at depth 62 take about 6.1 MB.
pub const MAX_WITNESS_BYTES: usize = 8 << 20;
const HEADER_BYTES: usize = 4 + 1 + 1 + 2 * FR_BYTES + 2;

/// One touched account before the batch (`None`: an empty slot) and its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessAccount {
    pub index: u64,
    pub account: Option<Account>,
    pub siblings: Siblings,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofWitness {
    pub depth: u32,
    pub chain_tag: Fr,
    pub pre_root: Fr,
    pub accounts: Vec<WitnessAccount>,
}

/// Every account index the batch reads or writes, sorted.
pub fn get_touched(transfers: &[Transfer]) -> BTreeSet<u64> {
    transfers
        .iter()
        .flat_map(|t| [t.sender, t.recipient])
        .collect()
}

fn encode_fr(out: &mut Vec<u8>, value: &Fr) {
    let mut bytes = value.into_bigint().to_bytes_le();
    bytes.reverse();
    out.extend_from_slice(&bytes);
}

impl ProofWitness {
    /// The witness of `transfers` (already decoded with `chain_tag`) from `state`.
    pub fn extract(state: &State, transfers: &[Transfer], chain_tag: Fr) -> CoreResult<Self> {
        let touched = get_touched(transfers);
        if touched.len() > MAX_WITNESS_ACCOUNTS {
            return Err(CoreError::LimitExceeded(format!(
                "a witness holds at most {MAX_WITNESS_ACCOUNTS} accounts"
            )));
        }
        let accounts = touched
            .into_iter()
            .map(|index| {
                let (_, siblings) = state.get_proof(index)?;
                let account = state.get_account(index);
                Ok(WitnessAccount {
                    index,
                    account,
                    siblings,
                })
            })
            .collect::<CoreResult<_>>()?;
        Ok(ProofWitness {
            depth: state.depth(),
            chain_tag,
            pre_root: state.get_root(),
            accounts,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_BYTES);
        out.extend_from_slice(WITNESS_MAGIC);
        out.extend_from_slice(&[WITNESS_VERSION, self.depth as u8]);
        encode_fr(&mut out, &self.chain_tag);
        encode_fr(&mut out, &self.pre_root);
        out.extend_from_slice(&(self.accounts.len() as u16).to_be_bytes());
        for entry in &self.accounts {
            encode_entry(&mut out, entry);
        }
        out
    }

    /// Decodes and bounds-checks witness bytes; `Decode` for anything malformed.
    pub fn decode(bytes: &[u8]) -> CoreResult<Self> {
        if bytes.len() > MAX_WITNESS_BYTES {
            return Err(decode_err(format!(
                "witness is {} bytes, at most {MAX_WITNESS_BYTES}",
                bytes.len()
            )));
        }
        let mut r = Reader { bytes, at: 0 };
        let header = decode_header(&mut r)?;
        let accounts = decode_entries(&mut r, header.depth, header.count)?;
        if r.at != bytes.len() {
            return Err(decode_err("witness has trailing bytes"));
        }
        Ok(ProofWitness {
            depth: header.depth,
            chain_tag: header.chain_tag,
            pre_root: header.pre_root,
            accounts,
        })
    }

    /// `Decode` unless the witness holds exactly the accounts `transfers` touch.
    pub fn check_covers(&self, transfers: &[Transfer]) -> CoreResult<()> {
        let held: BTreeSet<u64> = self.accounts.iter().map(|a| a.index).collect();
        if held != get_touched(transfers) {
            return Err(decode_err(
                "witness accounts are not exactly the accounts the transfers touch",
            ));
        }
        Ok(())
    }

    /// The partial state: the touched accounts and the nodes of their paths, each path checked
    /// against `pre_root`, overlapping paths checked to agree.
    pub fn to_state(&self) -> CoreResult<State> {
        let shape = TreeShape::new(self.depth)?;
        let mut nodes = MemoryStore::default();
        let mut accounts = HashMap::new();
        put_checked(&mut nodes, shape.levels(), 0, self.pre_root)?;
        for entry in &self.accounts {
            insert_path(&mut nodes, entry, self.pre_root)?;
            if let Some(account) = entry.account {
                accounts.insert(entry.index, account);
            }
        }
        Ok(State::from_parts(shape, nodes, accounts))
    }
}

fn encode_entry(out: &mut Vec<u8>, entry: &WitnessAccount) {
    out.extend_from_slice(&entry.index.to_be_bytes());
    match &entry.account {
        None => out.push(0),
        Some(a) => {
            out.push(1);
            out.extend_from_slice(&encode_point(&a.pk));
            out.extend_from_slice(&a.balance.to_be_bytes());
            out.extend_from_slice(&a.nonce.to_be_bytes());
        }
    }
    for level in &entry.siblings {
        for node in level {
            encode_fr(out, node);
        }
    }
}

/// Writes a node, or checks that an overlapping path already wrote the same value.
fn put_checked(nodes: &mut MemoryStore, level: u32, index: u64, value: Fr) -> CoreResult<()> {
    let key = NodeKey { level, index };
    match nodes.get_node(&key) {
        Some(old) if old != value => Err(decode_err(format!(
            "witness paths disagree on the tree node at level {level}, index {index}"
        ))),
        _ => {
            nodes.put_node(key, Some(value));
            Ok(())
        }
    }
}

/// Writes one account's leaf, siblings and ancestors; `Decode` unless they reach `root`.
fn insert_path(nodes: &mut MemoryStore, entry: &WitnessAccount, root: Fr) -> CoreResult<()> {
    let index = entry.index;
    let mut node = entry.account.map_or(Fr::from(0u64), |a| a.leaf());
    let mut path = vec![(0, index, node)];
    for (level, sib) in entry.siblings.iter().enumerate() {
        let (level, digit) = (level as u32, get_digit(index, level as u32));
        let parent = index >> (2 * (level + 1));
        let others = (0..ARITY as u64).filter(|c| *c as usize != digit);
        for (value, child) in sib.iter().zip(others) {
            path.push((level, parent * 4 + child, *value));
        }
        node = hash4(NODE_TAG, compute_children(node, digit, sib));
        path.push((level + 1, parent, node));
    }
    if node != root {
        return Err(decode_err(format!(
            "the path of account {index} does not lead to the pre-state root"
        )));
    }
    path.into_iter()
        .try_for_each(|(level, i, value)| put_checked(nodes, level, i, value))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> CoreResult<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.bytes.len());
        let end = end.ok_or_else(|| decode_err("witness is truncated"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u64(&mut self) -> CoreResult<u64> {
        Ok(u64::from_be_bytes(self.take(8)?.try_into().expect("8")))
    }

    fn fr(&mut self) -> CoreResult<Fr> {
        let mut le = self.take(FR_BYTES)?.to_vec();
        le.reverse();
        fr_from_le_bytes(&le)
    }
}

struct Header {
    depth: u32,
    chain_tag: Fr,
    pre_root: Fr,
    count: usize,
}

fn decode_header(r: &mut Reader<'_>) -> CoreResult<Header> {
    if r.take(4)? != WITNESS_MAGIC {
        return Err(decode_err("not a proof witness (bad magic)"));
    }
    let fixed = r.take(2)?;
    if fixed[0] != WITNESS_VERSION {
        return Err(decode_err(format!(
            "witness version {} is not supported (expected {WITNESS_VERSION})",
            fixed[0]
        )));
    }
    let depth = u32::from(fixed[1]);
    check_depth(depth).map_err(|e| decode_err(format!("witness: {e}")))?;
    let (chain_tag, pre_root) = (r.fr()?, r.fr()?);
    let count = usize::from(u16::from_be_bytes(r.take(2)?.try_into().expect("2")));
    if count > MAX_WITNESS_ACCOUNTS {
        return Err(decode_err(format!(
            "witness holds {count} accounts, at most {MAX_WITNESS_ACCOUNTS}"
        )));
    }
    Ok(Header {
        depth,
        chain_tag,
        pre_root,
        count,
    })
}

fn decode_entries(r: &mut Reader<'_>, depth: u32, count: usize) -> CoreResult<Vec<WitnessAccount>> {
    let mut out: Vec<WitnessAccount> = Vec::with_capacity(count);
    for _ in 0..count {
        let entry = decode_entry(r, depth)?;
        if out.last().is_some_and(|last| last.index >= entry.index) {
            return Err(decode_err(
                "witness accounts must be in increasing index order",
            ));
        }
        out.push(entry);
    }
    Ok(out)
}

fn decode_account(r: &mut Reader<'_>) -> CoreResult<Option<Account>> {
    match r.take(1)?[0] {
        0 => Ok(None),
        1 => {
            let pk = decode_public_key(r.take(32)?)?;
            let (balance, nonce) = (r.u64()?, r.u64()?);
            Ok(Some(Account { pk, balance, nonce }))
        }
        flag => Err(decode_err(format!(
            "witness account flag must be 0 or 1, got {flag}"
        ))),
    }
}

fn decode_entry(r: &mut Reader<'_>, depth: u32) -> CoreResult<WitnessAccount> {
    let index = r.u64()?;
    if index >> depth != 0 {
        return Err(decode_err(format!(
            "witness account {index} does not fit depth {depth}"
        )));
    }
    let account = decode_account(r)?;
    let siblings = (0..depth / 2)
        .map(|_| Ok([r.fr()?, r.fr()?, r.fr()?]))
        .collect::<CoreResult<_>>()?;
    Ok(WitnessAccount {
        index,
        account,
        siblings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schnorr::{compute_public_key, generate_secret_key};
    use crate::state::batch_transition::tests::{signed, CHAIN_TAG};
    use crate::state::batch_transition::to_operations;

    /// A depth-8 state with two funded accounts and a batch touching them and an empty slot.
    fn fixture() -> (State, Vec<Transfer>) {
        let (a, b) = (generate_secret_key(), generate_secret_key());
        let (pa, pb) = (compute_public_key(&a), compute_public_key(&b));
        let mut state = State::new(8).unwrap();
        state.process_credit(1, pa, 100).unwrap();
        state.process_credit(200, pb, 5).unwrap();
        state.process_credit(201, pb, 5).unwrap();
        let batch = vec![signed(&a, 1, 200, pb, 10, 1), signed(&a, 1, 77, pa, 3, 2)];
        (state, batch)
    }

    fn extract(state: &State, batch: &[Transfer]) -> ProofWitness {
        ProofWitness::extract(state, batch, Fr::from(CHAIN_TAG)).unwrap()
    }

    #[test]
    fn partial_state_runs_the_batch_like_the_full_state() {
        let (state, batch) = fixture();
        let w = extract(&state, &batch);
        assert_eq!(ProofWitness::decode(&w.encode()).unwrap(), w);
        let partial = w.to_state().unwrap();
        assert_eq!(partial.get_root(), state.get_root());
        let ops = to_operations(&batch);
        let full = state.compute_batch_witness(&ops).unwrap();
        let part = partial.compute_batch_witness(&ops).unwrap();
        assert_eq!(
            (part.pre_root, part.post_root),
            (full.pre_root, full.post_root)
        );
        w.check_covers(&batch).unwrap();
        assert!(w.check_covers(&batch[..1]).is_err());
    }

    #[test]
    fn tampered_witnesses_are_refused() {
        let (state, batch) = fixture();
        let w = extract(&state, &batch);
        let mut richer = w.clone();
        richer.accounts[0].account.as_mut().unwrap().balance += 1;
        assert!(richer.to_state().is_err());
        let mut rooted = w.clone();
        rooted.pre_root += Fr::from(1u64);
        assert!(rooted.to_state().is_err());
        let bytes = w.encode();
        for cut in [0, 3, HEADER_BYTES, bytes.len() - 1] {
            assert!(ProofWitness::decode(&bytes[..cut]).is_err());
        }
        let mut versioned = bytes.clone();
        versioned[4] = 2;
        assert!(ProofWitness::decode(&versioned).is_err());
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(ProofWitness::decode(&trailing).is_err());
        let mut unsorted = w.clone();
        unsorted.accounts.swap(0, 1);
        assert!(ProofWitness::decode(&unsorted.encode()).is_err());
    }

    /// Two valid paths can only disagree through a Poseidon collision, so the check is tested
    /// on the store directly.
    #[test]
    fn overlapping_paths_must_agree() {
        let mut nodes = MemoryStore::default();
        put_checked(&mut nodes, 1, 3, Fr::from(5u64)).unwrap();
        put_checked(&mut nodes, 1, 3, Fr::from(5u64)).unwrap();
        assert!(put_checked(&mut nodes, 1, 3, Fr::from(6u64)).is_err());
    }

    #[test]
    fn an_empty_batch_keeps_the_pre_state_root() {
        let (state, _) = fixture();
        let w = extract(&state, &[]);
        assert_eq!(w.to_state().unwrap().get_root(), state.get_root());
    }
}
