//! The owner roster: communities, their units, and who may bind to each unit.
//!
//! Every function takes a `&mut PgConnection` so a service can compose several
//! of them in one transaction (pass `&mut *tx`).
//!
//! "Get or create" is written as select, insert-on-conflict-do-nothing, select
//! again, rather than an `ON CONFLICT DO UPDATE ... RETURNING`: the latter
//! rewrites the row on every call, and re-importing an unchanged roster should
//! write nothing. The second select covers a concurrent insert that won the race
//! (in READ COMMITTED each statement sees what committed before it began).

use sqlx::PgConnection;

use crate::domain::phone::PhoneNumber;
use crate::domain::relation::Relation;
use crate::domain::unit::UnitAddress;

/// What an upsert did to the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Inserted,
    Updated,
    Unchanged,
}

/// A roster entry for a phone number, with the unit it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterMatch {
    pub unit_id: i64,
    /// The same address may exist in several communities of one company.
    pub community_id: i64,
    pub address: UnitAddress,
    pub owner_name: String,
    pub relation: Relation,
}

/// Returns the community's id, creating the community if it is new.
pub async fn community_id_by_name_or_create(conn: &mut PgConnection, name: &str) -> Result<i64, sqlx::Error> {
    const SELECT: &str = "SELECT id FROM communities WHERE name = $1";
    if let Some(id) = sqlx::query_scalar(SELECT).bind(name).fetch_optional(&mut *conn).await? {
        return Ok(id);
    }
    let inserted: Option<i64> =
        sqlx::query_scalar("INSERT INTO communities (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id")
            .bind(name)
            .fetch_optional(&mut *conn)
            .await?;
    match inserted {
        Some(id) => Ok(id),
        None => sqlx::query_scalar(SELECT).bind(name).fetch_one(conn).await,
    }
}

/// Returns the unit's id, creating the unit if it is new.
pub async fn upsert_unit(
    conn: &mut PgConnection,
    community_id: i64,
    address: &UnitAddress,
) -> Result<i64, sqlx::Error> {
    if let Some(id) = find_unit(&mut *conn, Some(community_id), address).await? {
        return Ok(id);
    }
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO units (community_id, building, entrance, room) VALUES ($1, $2, $3, $4)
         ON CONFLICT (community_id, building, entrance, room) DO NOTHING
         RETURNING id",
    )
    .bind(community_id)
    .bind(address.building())
    .bind(address.entrance())
    .bind(address.room())
    .fetch_optional(&mut *conn)
    .await?;
    match inserted {
        Some(id) => Ok(id),
        None => find_unit(conn, Some(community_id), address).await?.ok_or(sqlx::Error::RowNotFound),
    }
}

/// Inserts the entry for (unit, phone), or brings its name and relation up to
/// date. An entry that already says the same is left alone (its `updated_at`
/// too), so a repeated import is a no-op.
pub async fn upsert_roster_entry(
    conn: &mut PgConnection,
    unit_id: i64,
    owner_name: &str,
    phone: &PhoneNumber,
    relation: Relation,
) -> Result<Upserted, sqlx::Error> {
    // The WHERE on DO UPDATE skips unchanged rows, which then return nothing.
    // `xmax = 0` holds only for a row version this statement inserted.
    let inserted: Option<bool> = sqlx::query_scalar(
        "INSERT INTO roster_entries (unit_id, owner_name, phone, relation)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (unit_id, phone) DO UPDATE
            SET owner_name = EXCLUDED.owner_name,
                relation = EXCLUDED.relation,
                updated_at = now()
          WHERE roster_entries.owner_name <> EXCLUDED.owner_name
             OR roster_entries.relation <> EXCLUDED.relation
         RETURNING (xmax = 0)",
    )
    .bind(unit_id)
    .bind(owner_name)
    .bind(phone.as_str())
    .bind(relation.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(match inserted {
        Some(true) => Upserted::Inserted,
        Some(false) => Upserted::Updated,
        None => Upserted::Unchanged,
    })
}

#[derive(sqlx::FromRow)]
struct MatchRow {
    unit_id: i64,
    community_id: i64,
    building: String,
    entrance: String,
    room: String,
    owner_name: String,
    relation: String,
}

/// Every roster entry with this phone number, in every community, ordered by
/// building, entrance and room (numbers in numeric order: 2栋 before 10栋).
pub async fn find_by_phone(conn: &mut PgConnection, phone: &PhoneNumber) -> Result<Vec<RosterMatch>, sqlx::Error> {
    let rows: Vec<MatchRow> = sqlx::query_as(
        "SELECT u.id AS unit_id, u.community_id, u.building, u.entrance, u.room,
                r.owner_name, r.relation
           FROM roster_entries r
           JOIN units u ON u.id = r.unit_id
          WHERE r.phone = $1
          ORDER BY u.community_id,
                   length(u.building), u.building,
                   length(u.entrance), u.entrance,
                   length(u.room), u.room",
    )
    .bind(phone.as_str())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(RosterMatch {
                unit_id: r.unit_id,
                community_id: r.community_id,
                address: address_from_columns(&r.building, &r.entrance, &r.room)?,
                owner_name: r.owner_name,
                relation: Relation::parse(&r.relation).map_err(|e| decode_error("relation", e))?,
            })
        })
        .collect()
}

/// The unit with this address, in one community or (with `None`) in any.
/// Without a community the answer must be unambiguous: where two communities
/// have a unit of that address, this returns `None` rather than guess.
pub async fn find_unit(
    conn: &mut PgConnection,
    community_id: Option<i64>,
    address: &UnitAddress,
) -> Result<Option<i64>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM units
          WHERE ($1::BIGINT IS NULL OR community_id = $1)
            AND building = $2 AND entrance = $3 AND room = $4
          LIMIT 2",
    )
    .bind(community_id)
    .bind(address.building())
    .bind(address.entrance())
    .bind(address.room())
    .fetch_all(conn)
    .await?;
    Ok(match ids[..] {
        [id] => Some(id),
        _ => None,
    })
}

#[derive(sqlx::FromRow)]
struct AddressRow {
    building: String,
    entrance: String,
    room: String,
}

pub async fn unit_address(conn: &mut PgConnection, unit_id: i64) -> Result<Option<UnitAddress>, sqlx::Error> {
    let row: Option<AddressRow> = sqlx::query_as("SELECT building, entrance, room FROM units WHERE id = $1")
        .bind(unit_id)
        .fetch_optional(conn)
        .await?;
    row.map(|r| address_from_columns(&r.building, &r.entrance, &r.room)).transpose()
}

/// The addresses of many units at once (a survey's invitations, its reminders).
pub async fn unit_addresses(
    conn: &mut PgConnection,
    unit_ids: &[i64],
) -> Result<std::collections::HashMap<i64, UnitAddress>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, building, entrance, room FROM units WHERE id = ANY($1)")
            .bind(unit_ids)
            .fetch_all(conn)
            .await?;
    rows.into_iter().map(|(id, b, e, r)| Ok((id, address_from_columns(&b, &e, &r)?))).collect()
}

/// Rows are written from parsed addresses, so a failure here means someone
/// wrote to the table by hand: report it as a decode error, not a panic.
fn address_from_columns(building: &str, entrance: &str, room: &str) -> Result<UnitAddress, sqlx::Error> {
    UnitAddress::new(building, entrance, room).map_err(|e| decode_error("unit", e))
}

fn decode_error(what: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("bad {what} in the database: {e}").into())
}
