//! Owners, family members and tenants bound to units.

use sqlx::PgConnection;

use crate::domain::{Relation, UnitAddress};

#[derive(Debug, Clone)]
pub struct Residence {
    pub unit_id: i64,
    pub address: UnitAddress,
    pub relation: Relation,
}

#[derive(sqlx::FromRow)]
struct ResidenceRow {
    unit_id: i64,
    building: String,
    entrance: String,
    room: String,
    relation: String,
}

pub async fn bind(
    conn: &mut PgConnection,
    telegram_id: i64,
    unit_id: i64,
    name: &str,
    relation: Relation,
    verified_by: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO unit_residents (telegram_id, unit_id, name, relation, verified_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (telegram_id, unit_id) DO UPDATE SET name = EXCLUDED.name, relation = EXCLUDED.relation",
    )
    .bind(telegram_id)
    .bind(unit_id)
    .bind(name)
    .bind(relation.as_str())
    .bind(verified_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn of_user(conn: &mut PgConnection, telegram_id: i64) -> sqlx::Result<Vec<Residence>> {
    let rows: Vec<ResidenceRow> = sqlx::query_as(
        "SELECT u.id AS unit_id, u.building, u.entrance, u.room, r.relation
         FROM unit_residents r JOIN units u ON u.id = r.unit_id
         WHERE r.telegram_id = $1
         ORDER BY u.building, u.entrance, u.room",
    )
    .bind(telegram_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().filter_map(|r| residence(r.unit_id, &r.building, &r.entrance, &r.room, &r.relation)).collect())
}

/// A residence from its columns; None where a stored value no longer parses.
pub fn residence(unit_id: i64, building: &str, entrance: &str, room: &str, relation: &str) -> Option<Residence> {
    Some(Residence {
        unit_id,
        address: UnitAddress::new(building, entrance, room).ok()?,
        relation: Relation::parse_code(relation)?,
    })
}
