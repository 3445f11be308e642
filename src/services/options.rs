//! What a community offers from the fixed lists: its repair categories and
//! complaint subjects, chosen and ordered by management
//! (`propdesk categories`, `propdesk subjects`).

use sqlx::{PgConnection, PgPool};

use crate::services::people::Actor;
use crate::store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionList {
    RepairCategories,
    ComplaintSubjects,
}

impl OptionList {
    fn as_str(self) -> &'static str {
        match self {
            OptionList::RepairCategories => "repair_category",
            OptionList::ComplaintSubjects => "complaint_subject",
        }
    }
}

/// The actor's community's choice from `all` (everything, in the given
/// order, unless the community chose), read through `parse`.
pub async fn offered<T: Copy + PartialEq>(
    conn: &mut PgConnection,
    actor: &Actor,
    list: OptionList,
    all: &[T],
    parse: impl Fn(&str) -> Option<T>,
) -> sqlx::Result<Vec<T>> {
    let chosen: Vec<T> = store::options::chosen_for_user(conn, actor.telegram_id(), list.as_str())
        .await?
        .iter()
        .filter_map(|c| parse(c))
        .collect();
    Ok(if chosen.is_empty() { all.to_vec() } else { chosen })
}

/// The codes a community offers for `list` (all of `all` unless it chose).
pub async fn codes(pool: &PgPool, community: &str, list: OptionList, all: &[&str]) -> anyhow::Result<Vec<String>> {
    let mut conn = pool.acquire().await?;
    let id = store::roster::community_id_by_name_or_create(&mut conn, community).await?;
    let chosen = store::options::chosen(&mut conn, id, list.as_str()).await?;
    Ok(if chosen.is_empty() { all.iter().map(|c| (*c).to_owned()).collect() } else { chosen })
}

/// Sets what a community offers for `list`, in this order.
pub async fn choose(pool: &PgPool, community: &str, list: OptionList, codes: &[&str]) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let id = store::roster::community_id_by_name_or_create(&mut tx, community).await?;
    store::options::choose(&mut tx, id, list.as_str(), codes).await?;
    tx.commit().await?;
    Ok(())
}
