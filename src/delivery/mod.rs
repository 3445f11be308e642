//! Getting owed messages out: the outbox sender, and the lease that keeps
//! it to one replica.

pub mod lease;
pub mod sender;
