//! Getting owed messages out: the outbox sender, the scheduler that acts
//! when deadlines pass, and the lease that keeps each to one replica.

pub mod lease;
pub mod limits;
pub mod scheduler;
pub mod sender;
