//! Identifiers shared by the hub, the connections and the backplane; a leaf
//! module, so none of them needs to import another for a name.

use std::sync::Arc;

/// One connection of this node, unique for the process's life.
pub type ConnId = u64;

/// A node's identity in the cluster.
pub type NodeId = Arc<str>;
