//! A sparse Merkle tree of accounts: 4-ary, hashed with width-5 Poseidon (`poseidon::wide`).
//!
//! * `depth` counts address bits (32 by default in `zkpov.chain.state`, so 2^32 leaves); it must
//!   be even, and the tree has `depth / 2` levels of arity 4. Level 0 holds the leaves; the root
//!   is at level `depth / 2`.
//! * The child of a node that holds leaf `index` at level `l` is digit `(index >> 2l) & 3`.
//! * An empty leaf is 0. An empty node at level `l + 1` is `hash4(NODE_TAG, [e_l; 4])`.
//! * A node is `hash4(NODE_TAG, [c0, c1, c2, c3])`; leaves use `LEAF_TAG` (see `accounts`).
//! * A proof for `index` is, per level from the leaves up, the three siblings in child order with
//!   the path's own child left out. A non-membership proof is a proof that the leaf is 0.
//!
//! Why 4-ary: the transfer circuit walks four paths per transfer (old and new, sender and
//! receiver). A binary path of depth 32 costs 32 x 243 = 7.8k constraints; a 4-ary path costs
//! 16 x (300 + 7) = 4.9k, which keeps a transfer under 30k constraints.
//!
//! Storage goes through `NodeStore`, a key-value interface (`NodeKey` -> scalar; absent means
//! empty), so a node can back the tree with a database. `Overlay` buffers writes over a base
//! store: state transitions run on an overlay and are committed only when every transfer is valid.
#![forbid(unsafe_code)]

use crate::error::{CoreError, CoreResult};
use crate::poseidon::wide::hash4;
use ark_bls12_381::Fr;
use ark_ff::Zero;
use rayon::prelude::*;
use std::collections::HashMap;

pub const ARITY: usize = 4;
pub const NODE_TAG: u64 = 0;
pub const MAX_DEPTH: u32 = 62;

/// Where a node sits: `level` 0 is the leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeKey {
    pub level: u32,
    pub index: u64,
}

/// The three siblings of each level, leaves first.
pub type Siblings = Vec<[Fr; ARITY - 1]>;

/// Key-value storage of the non-empty nodes.
pub trait NodeStore {
    fn get_node(&self, key: &NodeKey) -> Option<Fr>;
    /// `None` deletes the node (it is empty again).
    fn put_node(&mut self, key: NodeKey, value: Option<Fr>);
}

/// An in-memory store.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    nodes: HashMap<NodeKey, Fr>,
}

#[cfg(test)]
impl MemoryStore {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

impl NodeStore for MemoryStore {
    fn get_node(&self, key: &NodeKey) -> Option<Fr> {
        self.nodes.get(key).copied()
    }

    fn put_node(&mut self, key: NodeKey, value: Option<Fr>) {
        match value {
            Some(v) => self.nodes.insert(key, v),
            None => self.nodes.remove(&key),
        };
    }
}

/// Buffered writes over a read-only base.
pub struct Overlay<'a, S: NodeStore> {
    base: &'a S,
    pub changes: HashMap<NodeKey, Option<Fr>>,
}

impl<'a, S: NodeStore> Overlay<'a, S> {
    pub fn new(base: &'a S) -> Self {
        Overlay {
            base,
            changes: HashMap::new(),
        }
    }
}

impl<S: NodeStore> NodeStore for Overlay<'_, S> {
    fn get_node(&self, key: &NodeKey) -> Option<Fr> {
        match self.changes.get(key) {
            Some(v) => *v,
            None => self.base.get_node(key),
        }
    }

    fn put_node(&mut self, key: NodeKey, value: Option<Fr>) {
        self.changes.insert(key, value);
    }
}

/// Checks that a depth is even and in `[2, MAX_DEPTH]`.
pub fn check_depth(depth: u32) -> CoreResult<()> {
    if !(2..=MAX_DEPTH).contains(&depth) || depth % 2 != 0 {
        return Err(CoreError::InvalidArgument(format!(
            "tree depth must be even and in [2, {MAX_DEPTH}], got {depth}"
        )));
    }
    Ok(())
}

/// The empty node of each level, leaves first (`depth / 2 + 1` entries).
pub fn compute_defaults(depth: u32) -> Vec<Fr> {
    let mut out = vec![Fr::zero()];
    for _ in 0..depth / 2 {
        let e = *out.last().expect("non-empty");
        out.push(hash4(NODE_TAG, [e; ARITY]));
    }
    out
}

/// The child digit of `index` at `level`.
pub fn get_digit(index: u64, level: u32) -> usize {
    ((index >> (2 * level)) & 3) as usize
}

/// The four children with `node` at position `digit` and the siblings around it.
pub fn compute_children(node: Fr, digit: usize, siblings: &[Fr; ARITY - 1]) -> [Fr; ARITY] {
    let mut out = [Fr::zero(); ARITY];
    let mut rest = siblings.iter();
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = if i == digit {
            node
        } else {
            *rest.next().expect("three siblings")
        };
    }
    out
}

/// The root reached from `leaf` at `index` along `siblings`.
pub fn compute_root(leaf: Fr, index: u64, siblings: &[[Fr; ARITY - 1]]) -> Fr {
    let mut node = leaf;
    for (level, sib) in siblings.iter().enumerate() {
        node = hash4(
            NODE_TAG,
            compute_children(node, get_digit(index, level as u32), sib),
        );
    }
    node
}

/// True iff `siblings` has one entry per level and leads from `leaf` at `index` to `root`.
pub fn is_valid_proof(root: Fr, depth: u32, index: u64, leaf: Fr, siblings: &[[Fr; 3]]) -> bool {
    check_depth(depth).is_ok()
        && siblings.len() == (depth / 2) as usize
        && index >> depth == 0
        && compute_root(leaf, index, siblings) == root
}

/// The tree's shape plus its defaults; the nodes live in a `NodeStore`.
#[derive(Clone, Debug)]
pub struct TreeShape {
    pub depth: u32,
    defaults: Vec<Fr>,
}

impl TreeShape {
    pub fn new(depth: u32) -> CoreResult<Self> {
        check_depth(depth)?;
        Ok(TreeShape {
            depth,
            defaults: compute_defaults(depth),
        })
    }

    pub fn levels(&self) -> u32 {
        self.depth / 2
    }

    pub fn check_index(&self, index: u64) -> CoreResult<()> {
        if index >> self.depth != 0 {
            return Err(CoreError::InvalidArgument(format!(
                "account index {index} does not fit a tree of depth {}",
                self.depth
            )));
        }
        Ok(())
    }

    pub fn get_node(&self, store: &impl NodeStore, level: u32, index: u64) -> Fr {
        let key = NodeKey { level, index };
        store
            .get_node(&key)
            .unwrap_or(self.defaults[level as usize])
    }

    pub fn get_root(&self, store: &impl NodeStore) -> Fr {
        self.get_node(store, self.levels(), 0)
    }

    /// The siblings of leaf `index`, leaves first.
    pub fn get_siblings(&self, store: &impl NodeStore, index: u64) -> Siblings {
        (0..self.levels())
            .map(|level| {
                let parent = (index >> (2 * level)) >> 2;
                let digit = get_digit(index, level);
                let mut sib = [Fr::zero(); ARITY - 1];
                let others = (0..ARITY as u64).filter(|c| *c as usize != digit);
                for (slot, child) in sib.iter_mut().zip(others) {
                    *slot = self.get_node(store, level, parent * 4 + child);
                }
                sib
            })
            .collect()
    }

    fn put(&self, store: &mut impl NodeStore, level: u32, index: u64, value: Fr) {
        let stored = (value != self.defaults[level as usize]).then_some(value);
        store.put_node(NodeKey { level, index }, stored);
    }

    /// Sets leaf `index` and rehashes its path; returns the new root.
    pub fn process_update(&self, store: &mut impl NodeStore, index: u64, leaf: Fr) -> Fr {
        let siblings = self.get_siblings(store, index);
        let mut node = leaf;
        self.put(store, 0, index, node);
        for (level, sib) in siblings.iter().enumerate() {
            node = hash4(
                NODE_TAG,
                compute_children(node, get_digit(index, level as u32), sib),
            );
            self.put(store, level as u32 + 1, index >> (2 * (level + 1)), node);
        }
        node
    }

    /// Sets many leaves (distinct indices) and rehashes each node above them once, level by
    /// level, a level's nodes hashed on all cores (rayon); the same nodes and root as
    /// `process_update` for each leaf in turn. Returns the new root.
    pub fn process_updates<S: NodeStore + Sync>(&self, store: &mut S, leaves: &[(u64, Fr)]) -> Fr {
        let mut dirty = leaves.to_vec();
        dirty.sort_unstable_by_key(|(index, _)| *index);
        for level in 0..self.levels() {
            for (index, value) in &dirty {
                self.put(store, level, *index, *value);
            }
            let mut parents: Vec<u64> = dirty.iter().map(|(index, _)| index >> 2).collect();
            parents.dedup();
            let nodes = &*store;
            dirty = parents
                .par_iter()
                .map(|p| {
                    let children = [0, 1, 2, 3].map(|c| self.get_node(nodes, level, p * 4 + c));
                    (*p, hash4(NODE_TAG, children))
                })
                .collect();
        }
        for (index, value) in &dirty {
            self.put(store, self.levels(), *index, *value);
        }
        self.get_root(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_top_default_and_updates_verify() {
        let shape = TreeShape::new(8).unwrap();
        let mut store = MemoryStore::default();
        assert_eq!(shape.get_root(&store), compute_defaults(8)[4]);
        let root = shape.process_update(&mut store, 37, Fr::from(5u64));
        assert_eq!(root, shape.get_root(&store));
        let sib = shape.get_siblings(&store, 37);
        assert!(is_valid_proof(root, 8, 37, Fr::from(5u64), &sib));
        assert!(!is_valid_proof(root, 8, 37, Fr::from(6u64), &sib));
        let empty = shape.get_siblings(&store, 200);
        assert!(is_valid_proof(root, 8, 200, Fr::zero(), &empty));
    }

    #[test]
    fn clearing_a_leaf_restores_the_empty_tree() {
        let shape = TreeShape::new(6).unwrap();
        let mut store = MemoryStore::default();
        let empty = shape.get_root(&store);
        shape.process_update(&mut store, 9, Fr::from(1u64));
        shape.process_update(&mut store, 10, Fr::from(2u64));
        shape.process_update(&mut store, 9, Fr::zero());
        shape.process_update(&mut store, 10, Fr::zero());
        assert_eq!(shape.get_root(&store), empty);
        assert!(store.is_empty());
    }

    #[test]
    fn batched_updates_match_one_by_one() {
        let shape = TreeShape::new(8).unwrap();
        let (mut one, mut many) = (MemoryStore::default(), MemoryStore::default());
        for index in [3u64, 200, 7] {
            shape.process_update(&mut one, index, Fr::from(index + 1));
            shape.process_update(&mut many, index, Fr::from(index + 1));
        }
        let leaves = [
            (7u64, Fr::zero()),
            (4, Fr::from(11u64)),
            (255, Fr::from(12u64)),
        ];
        for (index, leaf) in leaves {
            shape.process_update(&mut one, index, leaf);
        }
        let root = shape.process_updates(&mut many, &leaves);
        assert_eq!(root, shape.get_root(&one));
        assert_eq!(one.nodes, many.nodes); // the same stored nodes, emptied ones removed
        assert_eq!(shape.process_updates(&mut many, &[]), root);
    }

    #[test]
    fn overlay_leaves_base_untouched() {
        let shape = TreeShape::new(4).unwrap();
        let base = MemoryStore::default();
        let mut overlay = Overlay::new(&base);
        let root = shape.process_update(&mut overlay, 3, Fr::from(9u64));
        assert_eq!(shape.get_root(&overlay), root);
        assert_ne!(shape.get_root(&base), root);
        assert!(check_depth(5).is_err() && check_depth(0).is_err() && check_depth(64).is_err());
    }
}
