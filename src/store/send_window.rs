//! The bot-wide send window several replicas share (see the migration): a
//! ring of the last N send times, N being the overall rate. Times are the
//! database's clock, the one clock every replica sees.

use std::time::Duration;

use sqlx::PgPool;

/// Makes sure there are `slots` slots (more left by a replica with a higher
/// rate are not used by this one).
pub async fn prepare(pool: &PgPool, slots: u32) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO send_window (slot) SELECT generate_series(1, $1) ON CONFLICT DO NOTHING")
        .bind(slots as i32)
        .execute(pool)
        .await?;
    Ok(())
}

/// Takes a place for one send now: `None` when taken, else how long until
/// the oldest of the last `slots` sends leaves the `window`.
///
/// The oldest slot is locked `SKIP LOCKED`: a concurrent sender taking it
/// makes this one look at the next oldest, which is then the oldest.
pub async fn take(pool: &PgPool, slots: u32, window: Duration) -> sqlx::Result<Option<Duration>> {
    let (taken, wait): (bool, Option<f64>) = sqlx::query_as(
        "WITH oldest AS (
             SELECT slot, sent_at FROM send_window WHERE slot <= $1
             ORDER BY sent_at, slot LIMIT 1 FOR UPDATE SKIP LOCKED
         ), taken AS (
             UPDATE send_window w SET sent_at = clock_timestamp()
             FROM oldest
             WHERE w.slot = oldest.slot AND oldest.sent_at <= clock_timestamp() - $2 * interval '1 millisecond'
             RETURNING w.slot
         )
         SELECT EXISTS (SELECT 1 FROM taken),
                (SELECT EXTRACT(EPOCH FROM sent_at + $2 * interval '1 millisecond' - clock_timestamp())::float8
                 FROM oldest)",
    )
    .bind(slots as i32)
    .bind(window.as_millis() as f64)
    .fetch_one(pool)
    .await?;
    if taken {
        return Ok(None);
    }
    // Every candidate slot locked by other senders this instant: look again shortly.
    let wait = wait.filter(|w| w.is_finite() && *w > 0.0).unwrap_or(0.002);
    Ok(Some(Duration::from_secs_f64(wait.min(2.0))))
}
