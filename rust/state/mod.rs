//! The account state the validity proofs are about: accounts and the transfer rules
//! (`accounts`), the 4-ary sparse Merkle tree that commits to them (`smt`), and the state that
//! applies a batch of transfers all or nothing and yields the circuit's witness
//! (`batch_transition`); the witness one batch proof needs without the whole state
//! (`proof_witness`); staking operations and payouts beside transfers (`operations`, their
//! account-side rules in `op_rules`); the signatures of many transfers checked in one batch
//! (`transfer_batch`); a block applied with its signatures checked in one batch
//! (`batched_apply`).
#![forbid(unsafe_code)]

pub mod accounts;
pub mod batch_transition;
pub mod batched_apply;
pub mod op_codec;
pub mod op_rules;
pub mod operations;
pub mod proof_witness;
pub mod smt;
pub mod transfer_batch;
