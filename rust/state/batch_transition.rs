//! The batch state transition: `State` holds the tree's nodes plus the accounts behind its
//! leaves, and applies a batch of transfers (`accounts::process_transfer` each) all or nothing.
//! Every transition runs on overlays and is committed only if all of its transfers are valid, so
//! a failed batch leaves the state exactly as it was; the same run yields the batch's witness
//! for the circuit (`BatchWitness`).
#![forbid(unsafe_code)]

use super::accounts::{process_transfer_rules, Account, AccountStore, StepWitness, Transfer};
use super::op_rules::process_operation;
use super::operations::Operation;
use super::smt::{MemoryStore, NodeStore, Overlay, Siblings, TreeShape};
use crate::error::{CoreError, CoreResult};
use ark_bls12_381::Fr;
use ark_ed_on_bls12_381::EdwardsAffine;
use rayon::prelude::*;
use std::collections::HashMap;

/// Buffered account writes over a read-only base.
struct AccountOverlay<'a> {
    base: &'a HashMap<u64, Account>,
    changes: HashMap<u64, Account>,
}

impl AccountStore for AccountOverlay<'_> {
    fn get_account(&self, index: u64) -> Option<Account> {
        self.changes
            .get(&index)
            .or_else(|| self.base.get(&index))
            .copied()
    }

    fn put_account(&mut self, index: u64, account: Account) {
        self.changes.insert(index, account);
    }
}

/// The witness of a whole batch: the roots around it and one step per transfer.
#[derive(Clone, Debug)]
pub struct BatchWitness {
    pub depth: u32,
    pub pre_root: Fr,
    pub post_root: Fr,
    pub steps: Vec<StepWitness>,
}

#[derive(Clone, Debug)]
pub struct State {
    shape: TreeShape,
    nodes: MemoryStore,
    accounts: HashMap<u64, Account>,
}

type Changes = (
    HashMap<super::smt::NodeKey, Option<Fr>>,
    HashMap<u64, Account>,
);

impl State {
    pub fn new(depth: u32) -> CoreResult<Self> {
        let shape = TreeShape::new(depth)?;
        Ok(State {
            shape,
            nodes: MemoryStore::default(),
            accounts: HashMap::new(),
        })
    }

    /// A state holding only some accounts and the tree nodes around them (`proof_witness`).
    pub(crate) fn from_parts(
        shape: TreeShape,
        nodes: MemoryStore,
        accounts: HashMap<u64, Account>,
    ) -> Self {
        State {
            shape,
            nodes,
            accounts,
        }
    }

    pub fn depth(&self) -> u32 {
        self.shape.depth
    }

    pub fn get_root(&self) -> Fr {
        self.shape.get_root(&self.nodes)
    }

    pub fn get_account(&self, index: u64) -> Option<Account> {
        self.accounts.get(&index).copied()
    }

    /// The tree's shape and nodes (read-only), for the circuit tests' model of the transition.
    #[cfg(test)]
    pub fn get_tree(&self) -> (&TreeShape, &MemoryStore) {
        (&self.shape, &self.nodes)
    }

    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// The leaf at `index` (0 when empty) and its siblings: a membership or non-membership proof.
    pub fn get_proof(&self, index: u64) -> CoreResult<(Fr, Siblings)> {
        self.shape.check_index(index)?;
        let leaf = self.get_account(index).map_or(Fr::from(0u64), |a| a.leaf());
        Ok((leaf, self.shape.get_siblings(&self.nodes, index)))
    }

    /// Every account, by index (for persisting a snapshot of the state).
    pub fn get_accounts(&self) -> Vec<(u64, Account)> {
        let mut all: Vec<(u64, Account)> = self.accounts.iter().map(|(i, a)| (*i, *a)).collect();
        all.sort_unstable_by_key(|(i, _)| *i);
        all
    }

    /// Puts an account back exactly as it was persisted (restart from a snapshot); an index may
    /// be restored once. The caller compares the final root with the one it trusts.
    pub fn restore_account(&mut self, index: u64, account: Account) -> CoreResult<Fr> {
        self.shape.check_index(index)?;
        if self.accounts.contains_key(&index) {
            return Err(invalid(format!("account {index} restored twice")));
        }
        self.accounts.insert(index, account);
        Ok(self
            .shape
            .process_update(&mut self.nodes, index, account.leaf()))
    }

    /// Genesis funding: creates the account or adds to it (the key must match).
    pub fn process_credit(&mut self, index: u64, pk: EdwardsAffine, amount: u64) -> CoreResult<Fr> {
        self.shape.check_index(index)?;
        let account = match self.get_account(index) {
            None => Account {
                pk,
                balance: amount,
                nonce: 0,
            },
            Some(a) if a.pk != pk => {
                return Err(invalid(format!("account {index} holds another key")))
            }
            Some(a) => Account {
                balance: checked_balance(a.balance, amount)?,
                ..a
            },
        };
        self.accounts.insert(index, account);
        Ok(self
            .shape
            .process_update(&mut self.nodes, index, account.leaf()))
    }

    /// Runs the operations on overlays: the witness and the changes, or the first error.
    fn compute_transition(&self, ops: &[Operation]) -> CoreResult<(BatchWitness, Changes)> {
        let mut nodes = Overlay::new(&self.nodes);
        let mut accounts = AccountOverlay {
            base: &self.accounts,
            changes: HashMap::new(),
        };
        let mut steps = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            let step = process_operation(&self.shape, &mut nodes, &mut accounts, op)
                .map_err(|e| invalid(format!("{} {i}: {e}", describe(op))))?;
            steps.push(step);
        }
        let post_root = self.shape.get_root(&nodes);
        let (depth, pre_root) = (self.depth(), self.get_root());
        let witness = BatchWitness {
            depth,
            pre_root,
            post_root,
            steps,
        };
        Ok((witness, (nodes.changes, accounts.changes)))
    }

    /// The witness for proving `ops` from this state; the state does not change.
    pub fn compute_batch_witness(&self, ops: &[Operation]) -> CoreResult<BatchWitness> {
        Ok(self.compute_transition(ops)?.0)
    }

    /// Applies all transfers or none; returns the new root.
    pub fn process_transfers(&mut self, transfers: &[Transfer]) -> CoreResult<Fr> {
        self.process_operations(&to_operations(transfers))
    }

    /// Applies all operations (of any kind) or none; returns the new root.
    pub fn process_operations(&mut self, ops: &[Operation]) -> CoreResult<Fr> {
        let (witness, (nodes, accounts)) = self.compute_transition(ops)?;
        for (key, value) in nodes {
            self.nodes.put_node(key, value);
        }
        self.accounts.extend(accounts);
        Ok(witness.post_root)
    }

    /// `process_transfers` without the witness: the rules on the accounts first (all errors
    /// come before any change), with transfer `i`'s signature check under a key answered by
    /// `is_signed(i, key)` (`crate::state::batched_apply` passes a batch's verdicts); then each
    /// touched leaf hashed and the tree updated once (`TreeShape::process_updates`), on all
    /// cores. The same root and accounts.
    pub fn process_transfers_unwitnessed(
        &mut self,
        transfers: &[Transfer],
        is_signed: &dyn Fn(usize, &EdwardsAffine) -> bool,
    ) -> CoreResult<Fr> {
        let mut accounts = AccountOverlay {
            base: &self.accounts,
            changes: HashMap::new(),
        };
        for (i, t) in transfers.iter().enumerate() {
            let signed = |pk: &EdwardsAffine| is_signed(i, pk);
            process_transfer_rules(&self.shape, &mut accounts, t, &signed)
                .map_err(|e| invalid(format!("transfer {i}: {e}")))?;
        }
        let changes = accounts.changes;
        let leaves: Vec<(u64, Fr)> = changes.par_iter().map(|(i, a)| (*i, a.leaf())).collect();
        self.accounts.extend(changes);
        Ok(self.shape.process_updates(&mut self.nodes, &leaves))
    }
}

/// Transfers as operations.
pub fn to_operations(transfers: &[Transfer]) -> Vec<Operation> {
    transfers.iter().cloned().map(Operation::Transfer).collect()
}

fn describe(op: &Operation) -> &'static str {
    match op {
        Operation::Transfer(_) => "transfer",
        Operation::Stake(_) => "staking op",
        Operation::Payout(_) => "payout",
    }
}

fn invalid(msg: String) -> CoreError {
    CoreError::InvalidArgument(msg)
}

fn checked_balance(balance: u64, amount: u64) -> CoreResult<u64> {
    balance
        .checked_add(amount)
        .ok_or_else(|| invalid("balance would exceed 2^64 - 1".into()))
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::schnorr::{compute_public_key, generate_secret_key, sign};
    use crate::state::accounts::{compute_message, TransferTerms};
    use crate::state::smt::is_valid_proof;
    use ark_ed_on_bls12_381::Fr as JubjubScalar;

    /// The chain tag the tests sign for.
    pub const CHAIN_TAG: u64 = 7;

    pub fn signed(
        sk: &JubjubScalar,
        from: u64,
        to: u64,
        to_pk: EdwardsAffine,
        amount: u64,
        nonce: u64,
    ) -> Transfer {
        let terms = TransferTerms {
            sender: from,
            recipient: to,
            amount,
            fee: 0,
            nonce,
            chain_tag: Fr::from(CHAIN_TAG),
        };
        signed_terms(sk, terms, to_pk)
    }

    /// A depth-2 state whose account 3 holds 50, and a signed transfer of 5 from it to account 1.
    pub fn funded_transfer() -> (State, Transfer) {
        let sk = generate_secret_key();
        let mut state = State::new(2).unwrap();
        state
            .process_credit(3, compute_public_key(&sk), 50)
            .unwrap();
        (state, signed(&sk, 3, 1, compute_public_key(&sk), 5, 1))
    }

    pub fn signed_terms(sk: &JubjubScalar, terms: TransferTerms, to_pk: EdwardsAffine) -> Transfer {
        let signature = sign(sk, compute_message(&terms, &to_pk));
        Transfer {
            sender: terms.sender,
            recipient: terms.recipient,
            recipient_pk: to_pk,
            amount: terms.amount,
            fee: terms.fee,
            nonce: terms.nonce,
            signature,
            chain_tag: terms.chain_tag,
        }
    }

    #[test]
    fn transfer_moves_funds_and_creates_accounts() {
        let (a, b) = (generate_secret_key(), generate_secret_key());
        let (pa, pb) = (compute_public_key(&a), compute_public_key(&b));
        let mut state = State::new(8).unwrap();
        state.process_credit(1, pa, 100).unwrap();
        let t = signed(&a, 1, 7, pb, 30, 1);
        assert_eq!(
            Transfer::decode(&t.encode(), Fr::from(CHAIN_TAG)).unwrap(),
            t
        );
        let root = state.process_transfers(&[t]).unwrap();
        assert_eq!(root, state.get_root());
        assert_eq!(state.get_account(1).unwrap().balance, 70);
        assert_eq!(
            state.get_account(7).unwrap(),
            Account {
                pk: pb,
                balance: 30,
                nonce: 0
            }
        );
        let (leaf, sib) = state.get_proof(7).unwrap();
        assert!(is_valid_proof(root, 8, 7, leaf, &sib));
    }

    #[test]
    fn the_fee_is_debited_and_burned_and_cannot_overflow() {
        let (a, b) = (generate_secret_key(), generate_secret_key());
        let (pa, pb) = (compute_public_key(&a), compute_public_key(&b));
        let mut state = State::new(8).unwrap();
        state.process_credit(1, pa, 100).unwrap();
        let terms = |amount, fee, nonce| TransferTerms {
            sender: 1,
            recipient: 7,
            amount,
            fee,
            nonce,
            chain_tag: Fr::from(CHAIN_TAG),
        };
        let t = signed_terms(&a, terms(30, 5, 1), pb);
        assert_eq!(
            Transfer::decode(&t.encode(), Fr::from(CHAIN_TAG)).unwrap(),
            t
        );
        state.process_transfers(&[t]).unwrap();
        assert_eq!(state.get_account(1).unwrap().balance, 65);
        assert_eq!(state.get_account(7).unwrap().balance, 30);
        let overflow = signed_terms(&a, terms(u64::MAX, 1, 2), pb);
        assert!(state.process_transfers(&[overflow]).is_err());
        let too_much = signed_terms(&a, terms(60, 6, 2), pb);
        assert!(state.process_transfers(&[too_much]).is_err());
    }

    #[test]
    fn a_transfer_signed_for_another_chain_is_refused() {
        let (mut state, t) = funded_transfer();
        let bytes = t.encode();
        let elsewhere = Transfer::decode(&bytes, Fr::from(CHAIN_TAG + 1)).unwrap();
        let err = state.process_transfers(&[elsewhere]).unwrap_err();
        assert!(err.to_string().contains("signature does not verify"));
        let here = Transfer::decode(&bytes, Fr::from(CHAIN_TAG)).unwrap();
        assert!(state.process_transfers(&[here]).is_ok());
    }

    #[test]
    fn restoring_every_account_rebuilds_the_same_root() {
        let (a, b) = (generate_secret_key(), generate_secret_key());
        let (pa, pb) = (compute_public_key(&a), compute_public_key(&b));
        let mut state = State::new(8).unwrap();
        state.process_credit(1, pa, 100).unwrap();
        state
            .process_transfers(&[signed(&a, 1, 7, pb, 30, 1)])
            .unwrap();
        let mut copy = State::new(8).unwrap();
        for (index, account) in state.get_accounts() {
            copy.restore_account(index, account).unwrap();
        }
        assert_eq!(copy.get_root(), state.get_root());
        assert_eq!(copy.get_account(1), state.get_account(1));
        let again = copy.restore_account(1, state.get_account(1).unwrap());
        assert!(again.is_err());
    }

    #[test]
    fn failed_batch_changes_nothing() {
        let a = generate_secret_key();
        let pa = compute_public_key(&a);
        let mut state = State::new(8).unwrap();
        state.process_credit(1, pa, 100).unwrap();
        let before = state.get_root();
        let good = signed(&a, 1, 2, pa, 10, 1);
        let overspend = signed(&a, 1, 2, pa, 1000, 2);
        let err = state.process_transfers(&[good, overspend]).unwrap_err();
        assert!(format!("{err}").contains("transfer 1: amount 1000 plus fee 0 exceeds balance 90"));
        assert_eq!(state.get_root(), before);
        assert_eq!(state.get_account(1).unwrap().balance, 100);
    }

    #[test]
    fn wrong_nonce_signature_and_key_are_rejected() {
        let (a, b) = (generate_secret_key(), generate_secret_key());
        let (pa, pb) = (compute_public_key(&a), compute_public_key(&b));
        let mut state = State::new(8).unwrap();
        state.process_credit(1, pa, 100).unwrap();
        state.process_credit(2, pb, 0).unwrap();
        assert!(state
            .process_transfers(&[signed(&a, 1, 3, pb, 1, 2)])
            .is_err());
        assert!(state
            .process_transfers(&[signed(&b, 1, 3, pb, 1, 1)])
            .is_err());
        assert!(state
            .process_transfers(&[signed(&a, 1, 2, pa, 1, 1)])
            .is_err());
        let self_transfer = signed(&a, 1, 1, pa, 5, 1);
        state.process_transfers(&[self_transfer]).unwrap();
        assert_eq!(
            state.get_account(1).unwrap(),
            Account {
                pk: pa,
                balance: 100,
                nonce: 1
            }
        );
    }
}
