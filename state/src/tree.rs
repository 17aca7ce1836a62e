//! The account tree: a sparse 4-ary Merkle tree with circomlib Poseidon (t = 5)
//! nodes, empty leaf 0, precomputed empty subtrees, and membership paths of
//! three siblings per level.
//!
//! Levels count up from the leaves: level 0 holds leaf hashes, level `depth`
//! the root. At level `l`, a node's position among its siblings is
//! `(idx >> 2l) & 3`. Only nodes that differ from the empty subtree of their
//! level are stored, so two trees with the same leaves have the same
//! representation. Every change is journalled ([`TreeDelta`]) so a batch can
//! be committed to the store or rolled back to the byte.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::account::{leaf_hash, Account, AccountId};
use crate::field::Fr;
use crate::poseidon::Poseidon;

/// Deepest supported tree: 4^16 = 2^32 leaves.
pub const MAX_DEPTH: u8 = 16;
/// Default depth.
pub const DEFAULT_DEPTH: u8 = 16;

/// Why a tree operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// Depth must be in 1..=16.
    #[error("tree depth {0} is not in 1..={MAX_DEPTH}")]
    BadDepth(u8),
    /// The index does not fit a tree of this depth.
    #[error("account index {idx} does not fit a depth-{depth} tree (4^{depth} leaves)")]
    IndexOutOfRange {
        /// The index.
        idx: u64,
        /// The tree depth.
        depth: u8,
    },
    /// A path of the wrong length.
    #[error("Merkle path has {got} levels, tree has {expected}")]
    PathLength {
        /// Levels expected.
        expected: usize,
        /// Levels given.
        got: usize,
    },
}

/// Key of a stored node: (level, index within the level).
pub type NodeKey = (u8, u64);

/// A node's value before and after a change (`None` = the empty subtree).
pub type NodeChange = (Option<Fr>, Option<Fr>);

/// A membership path: for each level from the leaves up, the three siblings
/// of the node on the path, in position order with the path's own slot
/// removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerklePath {
    /// `siblings[l]` are the siblings at level `l` (level 0 = leaves).
    #[serde(with = "serde_siblings")]
    pub siblings: Vec<[Fr; 3]>,
}

impl MerklePath {
    /// The root obtained by hashing `leaf` at `idx` up this path.
    pub fn root(&self, idx: u64, leaf: Fr) -> Fr {
        let mut cur = leaf;
        for (l, sib) in self.siblings.iter().enumerate() {
            let pos = ((idx >> (2 * l)) & 3) as usize;
            cur = Poseidon::hash_n(children_with(sib, pos, cur));
        }
        cur
    }

    /// Whether `leaf` at `idx` belongs to the tree with `root`.
    pub fn verify(&self, root: Fr, idx: u64, leaf: Fr) -> bool {
        self.root(idx, leaf) == root
    }
}

/// The four children of a node, given three siblings and the path's child at `pos`.
pub fn children_with(siblings: &[Fr; 3], pos: usize, cur: Fr) -> [Fr; 4] {
    let mut out = [Fr::from(0u64); 4];
    let mut s = siblings.iter();
    for (i, o) in out.iter_mut().enumerate() {
        *o = if i == pos {
            cur
        } else {
            *s.next().unwrap_or(&cur)
        };
    }
    out
}

/// The roots of empty subtrees: `empty[0] = 0`, `empty[l+1] = Poseidon(empty[l] x 4)`.
pub fn empty_roots(depth: u8) -> Vec<Fr> {
    let mut e = vec![Fr::from(0u64)];
    for l in 0..depth as usize {
        let c = e[l];
        e.push(Poseidon::hash_n([c, c, c, c]));
    }
    e
}

/// What changed in the tree since the last [`AccountTree::take_delta`]:
/// for each touched leaf and node, its value before and after.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeDelta {
    /// Leaf index -> (before, after); `None` is an empty leaf.
    pub leaves: BTreeMap<u64, (Option<Account>, Option<Account>)>,
    /// Node key -> (before, after); `None` is the empty subtree value.
    #[serde(with = "serde_nodes")]
    pub nodes: BTreeMap<NodeKey, NodeChange>,
}

impl TreeDelta {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty() && self.nodes.is_empty()
    }

    /// The delta that undoes this one (before and after swapped).
    pub fn inverse(mut self) -> TreeDelta {
        self.leaves
            .values_mut()
            .for_each(|e| std::mem::swap(&mut e.0, &mut e.1));
        self.nodes
            .values_mut()
            .for_each(|e| std::mem::swap(&mut e.0, &mut e.1));
        self
    }

    /// The delta of `self` followed by `later`.
    pub fn merge(mut self, later: TreeDelta) -> TreeDelta {
        for (k, (b, a)) in later.leaves {
            self.leaves
                .entry(k)
                .and_modify(|e| e.1 = a)
                .or_insert((b, a));
        }
        for (k, (b, a)) in later.nodes {
            self.nodes
                .entry(k)
                .and_modify(|e| e.1 = a)
                .or_insert((b, a));
        }
        self.leaves.retain(|_, (b, a)| b != a);
        self.nodes.retain(|_, (b, a)| b != a);
        self
    }
}

/// The sparse account tree.
#[derive(Clone, Debug)]
pub struct AccountTree {
    depth: u8,
    empty: Vec<Fr>,
    nodes: HashMap<NodeKey, Fr>,
    leaves: HashMap<u64, Account>,
    journal: TreeDelta,
}

impl PartialEq for AccountTree {
    fn eq(&self, other: &Self) -> bool {
        self.depth == other.depth && self.nodes == other.nodes && self.leaves == other.leaves
    }
}

impl AccountTree {
    /// An empty tree of `depth` levels (4^depth leaves).
    pub fn new(depth: u8) -> Result<Self, TreeError> {
        if depth == 0 || depth > MAX_DEPTH {
            return Err(TreeError::BadDepth(depth));
        }
        Ok(Self {
            depth,
            empty: empty_roots(depth),
            nodes: HashMap::new(),
            leaves: HashMap::new(),
            journal: TreeDelta::default(),
        })
    }

    /// A tree holding `leaves`, built level by level with all cores.
    pub fn from_leaves(
        depth: u8,
        leaves: impl IntoIterator<Item = (u64, Account)>,
    ) -> Result<Self, TreeError> {
        let mut t = Self::new(depth)?;
        let leaves: HashMap<u64, Account> = leaves.into_iter().collect();
        if let Some(&idx) = leaves.keys().find(|&&i| i >= t.capacity()) {
            return Err(TreeError::IndexOutOfRange { idx, depth });
        }
        let mut level: HashMap<u64, Fr> = leaves.par_iter().map(|(i, a)| (*i, a.hash())).collect();
        for l in 0..depth {
            let parents: Vec<u64> = {
                let mut p: Vec<u64> = level.keys().map(|i| i >> 2).collect();
                p.sort_unstable();
                p.dedup();
                p
            };
            let e = t.empty[l as usize];
            let next: HashMap<u64, Fr> = parents
                .par_iter()
                .map(|&p| {
                    let c = |k: u64| *level.get(&(p * 4 + k)).unwrap_or(&e);
                    (p, Poseidon::hash_n([c(0), c(1), c(2), c(3)]))
                })
                .collect();
            for (i, h) in level.drain() {
                if h != e {
                    t.nodes.insert((l, i), h);
                }
            }
            level = next;
        }
        for (i, h) in level {
            if h != t.empty[depth as usize] {
                t.nodes.insert((depth, i), h);
            }
        }
        t.leaves = leaves;
        Ok(t)
    }

    /// A tree from stored leaves and nodes, trusted as consistent (the store
    /// wrote them in one transaction); [`AccountTree::check_integrity`] verifies.
    pub fn from_parts(
        depth: u8,
        leaves: impl IntoIterator<Item = (u64, Account)>,
        nodes: impl IntoIterator<Item = (NodeKey, Fr)>,
    ) -> Result<Self, TreeError> {
        let mut t = Self::new(depth)?;
        t.leaves = leaves.into_iter().collect();
        t.nodes = nodes.into_iter().collect();
        Ok(t)
    }

    /// Recomputes every node from the leaves and compares with what is held.
    pub fn check_integrity(&self) -> bool {
        match Self::from_leaves(self.depth, self.leaves.iter().map(|(i, a)| (*i, *a))) {
            Ok(fresh) => fresh.nodes == self.nodes,
            Err(_) => false,
        }
    }

    /// Levels of the tree.
    pub fn depth(&self) -> u8 {
        self.depth
    }

    /// Number of leaf slots, 4^depth.
    pub fn capacity(&self) -> u64 {
        1u64 << (2 * self.depth as u32)
    }

    /// The root hash.
    pub fn root(&self) -> Fr {
        self.node(self.depth, 0)
    }

    /// Number of non-empty leaves.
    pub fn len(&self) -> usize {
        self.leaves.len()
    }

    /// Whether no leaf is set.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The account at `idx`, if any.
    pub fn get(&self, idx: AccountId) -> Option<&Account> {
        self.leaves.get(&(idx as u64))
    }

    /// All non-empty leaves, in no particular order.
    pub fn leaves(&self) -> impl Iterator<Item = (u64, &Account)> {
        self.leaves.iter().map(|(i, a)| (*i, a))
    }

    /// All stored (non-empty) nodes.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeKey, Fr)> + '_ {
        self.nodes.iter().map(|(k, v)| (*k, *v))
    }

    fn node(&self, level: u8, index: u64) -> Fr {
        *self
            .nodes
            .get(&(level, index))
            .unwrap_or(&self.empty[level as usize])
    }

    fn check_index(&self, idx: u64) -> Result<(), TreeError> {
        if idx >= self.capacity() {
            Err(TreeError::IndexOutOfRange {
                idx,
                depth: self.depth,
            })
        } else {
            Ok(())
        }
    }

    /// The membership path of leaf `idx`.
    pub fn path(&self, idx: AccountId) -> Result<MerklePath, TreeError> {
        let idx = idx as u64;
        self.check_index(idx)?;
        let siblings = (0..self.depth)
            .map(|l| {
                let i = idx >> (2 * l as u32);
                let base = i & !3;
                let pos = i & 3;
                let mut s = [Fr::from(0u64); 3];
                let mut k = 0;
                for j in 0..4 {
                    if j != pos {
                        s[k] = self.node(l, base + j);
                        k += 1;
                    }
                }
                s
            })
            .collect();
        Ok(MerklePath { siblings })
    }

    /// Sets leaf `idx` (`None` empties it), returning the path (whose
    /// siblings the update does not change) and the new root.
    pub fn set(
        &mut self,
        idx: AccountId,
        account: Option<Account>,
    ) -> Result<(MerklePath, Fr), TreeError> {
        let path = self.path(idx)?;
        let idx = idx as u64;
        let before = self.leaves.get(&idx).copied();
        self.journal
            .leaves
            .entry(idx)
            .and_modify(|e| e.1 = account)
            .or_insert((before, account));
        match account {
            Some(a) => self.leaves.insert(idx, a),
            None => self.leaves.remove(&idx),
        };
        let mut cur = leaf_hash(account.as_ref());
        self.write_node(0, idx, cur);
        for (l, sib) in path.siblings.iter().enumerate() {
            let pos = ((idx >> (2 * l)) & 3) as usize;
            cur = Poseidon::hash_n(children_with(sib, pos, cur));
            self.write_node(l as u8 + 1, idx >> (2 * (l + 1)), cur);
        }
        Ok((path, cur))
    }

    fn write_node(&mut self, level: u8, index: u64, value: Fr) {
        let key = (level, index);
        let new = (value != self.empty[level as usize]).then_some(value);
        let old = match new {
            Some(v) => self.nodes.insert(key, v),
            None => self.nodes.remove(&key),
        };
        self.journal
            .nodes
            .entry(key)
            .and_modify(|e| e.1 = new)
            .or_insert((old, new));
    }

    /// Takes the changes made since the last call (the caller persists them).
    pub fn take_delta(&mut self) -> TreeDelta {
        let mut d = std::mem::take(&mut self.journal);
        d.leaves.retain(|_, (b, a)| b != a);
        d.nodes.retain(|_, (b, a)| b != a);
        d
    }

    /// Replaces the journal (used to nest an atomic unit inside pending changes).
    pub(crate) fn restore_journal(&mut self, journal: TreeDelta) {
        self.journal = journal;
    }

    /// Undoes every change since the last [`AccountTree::take_delta`].
    pub fn rollback(&mut self) {
        let d = std::mem::take(&mut self.journal);
        self.apply_values(&d, true);
    }

    /// Applies a delta's `before` values (`undo`) or `after` values (redo),
    /// without journalling.
    pub fn apply_values(&mut self, d: &TreeDelta, undo: bool) {
        for (idx, (b, a)) in &d.leaves {
            match if undo { b } else { a } {
                Some(acc) => self.leaves.insert(*idx, *acc),
                None => self.leaves.remove(idx),
            };
        }
        for (key, (b, a)) in &d.nodes {
            match if undo { b } else { a } {
                Some(v) => self.nodes.insert(*key, *v),
                None => self.nodes.remove(key),
            };
        }
    }
}

mod serde_siblings {
    use super::*;
    use crate::field::serde_fr;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct S(#[serde(with = "serde_fr")] Fr);

    pub fn serialize<Z: Serializer>(v: &[[Fr; 3]], s: Z) -> Result<Z::Ok, Z::Error> {
        let w: Vec<[S; 3]> = v.iter().map(|a| a.map(S)).collect();
        w.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[Fr; 3]>, D::Error> {
        let w: Vec<[S; 3]> = Deserialize::deserialize(d)?;
        Ok(w.into_iter().map(|a| a.map(|S(f)| f)).collect())
    }
}

mod serde_nodes {
    use super::*;
    use crate::field::serde_fr;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct S(#[serde(with = "serde_fr")] Fr);

    type Row = (u8, u64, Option<S>, Option<S>);

    pub fn serialize<Z: Serializer>(
        v: &BTreeMap<NodeKey, NodeChange>,
        s: Z,
    ) -> Result<Z::Ok, Z::Error> {
        let w: Vec<Row> = v
            .iter()
            .map(|((l, i), (b, a))| (*l, *i, b.map(S), a.map(S)))
            .collect();
        w.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<NodeKey, NodeChange>, D::Error> {
        let w: Vec<Row> = Deserialize::deserialize(d)?;
        Ok(w.into_iter()
            .map(|(l, i, b, a)| ((l, i), (b.map(|S(f)| f), a.map(|S(f)| f))))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eddsa::PrivateKey;

    fn acct(seed: u8, bal: u128) -> Account {
        Account::new(1, bal, PrivateKey::from_bytes([seed; 32]).public())
    }

    #[test]
    fn empty_root_and_paths() {
        let t = AccountTree::new(3).unwrap();
        assert_eq!(t.root(), empty_roots(3)[3]);
        let p = t.path(5).unwrap();
        assert!(p.verify(t.root(), 5, Fr::from(0u64)));
        assert!(matches!(
            t.path(64),
            Err(TreeError::IndexOutOfRange { idx: 64, depth: 3 })
        ));
        assert_eq!(AccountTree::new(0), Err(TreeError::BadDepth(0)));
        assert_eq!(AccountTree::new(17), Err(TreeError::BadDepth(17)));
    }

    #[test]
    fn set_matches_bulk_build_and_paths_verify() {
        let mut t = AccountTree::new(4).unwrap();
        let items: Vec<(u64, Account)> = [0u64, 1, 7, 200, 255]
            .iter()
            .enumerate()
            .map(|(k, &i)| (i, acct(k as u8 + 1, 10 * k as u128)))
            .collect();
        for (i, a) in &items {
            let (path, root) = t.set(*i as u32, Some(*a)).unwrap();
            assert!(path.verify(root, *i, a.hash()));
        }
        let bulk = AccountTree::from_leaves(4, items.clone()).unwrap();
        assert_eq!(bulk.root(), t.root());
        assert_eq!(bulk, t);
        assert!(t.check_integrity());
        for (i, a) in &items {
            assert!(t.path(*i as u32).unwrap().verify(t.root(), *i, a.hash()));
            assert!(!t
                .path(*i as u32)
                .unwrap()
                .verify(t.root(), *i ^ 1, a.hash()));
        }
    }

    #[test]
    fn rollback_restores_exactly() {
        let mut t = AccountTree::new(3).unwrap();
        t.set(3, Some(acct(1, 5))).unwrap();
        t.take_delta();
        let before = t.clone();
        t.set(3, None).unwrap();
        t.set(9, Some(acct(2, 6))).unwrap();
        assert_ne!(t.root(), before.root());
        t.rollback();
        assert_eq!(t, before);
        // Setting a leaf back to what it was leaves an empty delta.
        t.set(9, Some(acct(2, 6))).unwrap();
        t.set(9, None).unwrap();
        assert!(t.take_delta().is_empty());
    }
}
