//! User search in bounded work, whatever the query and however many users there are.
//!
//! A search for everyone walks the name index to the page asked for (paging is capped at
//! `PageRequest::MAX_DEPTH`). Any other search looks at no more than [`LOOKED_AT_MOST`] users
//! (one more, to know there were more):
//!
//! - three characters or more: the users a trigram index finds, in its own order (on SQLite the
//!   FTS5 table `users_search`, whose phrase query is a substring match; on PostgreSQL the
//!   pg_trgm GIN indexes serving the `like` itself);
//! - one or two characters, which no index can narrow: the longest-standing users.
//!
//! The users looked at are tested with the literal, case-insensitive `like` (so `%` and `_`
//! match themselves), sorted by name and paged. When the search stopped at its limit, the total
//! is a lower bound and the answer says so (`CountedPage::total_exact`, `UncountedPage::capped`): refining the
//! search finds the others.

use std::sync::OnceLock;

use super::db::{Columns, Conn, DbResult, params};
use super::open::Backend;
use crate::domain::{Id, PageRequest, SearchQuery, UserId};

/// Users one search looks at, at most.
pub const LOOKED_AT_MOST: i64 = 5_000;

/// One page of a search: the matching users' ids in name order, how many matched among those
/// looked at, and whether the search stopped at its limit.
pub(crate) struct Found {
    pub ids: Vec<UserId>,
    pub matched: i64,
    pub capped: bool,
}

/// A query, and how the store will run it on one backend.
#[derive(Debug, Clone)]
pub(crate) struct UserSearch {
    shape: Shape,
    pattern: String,
    phrase: String,
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Everyone,
    /// SQLite's FTS5 trigram index finds the candidates.
    Trigram,
    /// PostgreSQL's trigram indexes serve the `like` itself.
    IndexedLike,
    /// Too short for any index: the longest-standing users.
    Oldest,
}

impl UserSearch {
    pub(crate) fn new(backend: Backend, query: &SearchQuery) -> Self {
        // The trigram indexes cannot match fewer than three characters.
        let shape = match (query.is_empty(), query.as_str().chars().count() >= 3, backend) {
            (true, _, _) => Shape::Everyone,
            (false, false, _) => Shape::Oldest,
            (false, true, Backend::Sqlite) => Shape::Trigram,
            (false, true, Backend::Postgres) => Shape::IndexedLike,
        };
        // An FTS5 string in double quotes is one phrase whose characters are all literal.
        let phrase = format!("\"{}\"", query.as_str().replace('"', "\"\""));
        Self { shape, pattern: query.like_pattern(), phrase }
    }

    /// The page `page` of matches (one more row than asked, to tell whether another follows),
    /// leaving out `viewer` when given.
    pub(crate) async fn page(&self, conn: &mut Conn<'_>, page: PageRequest, viewer: Option<UserId>) -> DbResult<Found> {
        let viewer = viewer.map_or(0, Id::get);
        let params = params![self.pattern.as_str(), self.phrase.as_str(), page.limit() + 1, page.offset(), viewer];
        let sql = texts(&PAGES, self.shape, page_statement);
        let rows = conn
            .fetch_all(sql, params, &|row| {
                Ok((Id::new(row.int("user_id")?), row.int("looked_at")?, row.int("matched")?))
            })
            .await?;
        let (looked_at, matched) = match rows.first() {
            Some(&(_, looked_at, matched)) => (looked_at, matched),
            // No row to carry the counts: count alone.
            None => conn.fetch_one(texts(&COUNTS, self.shape, counts_statement), params, &counts).await?,
        };
        Ok(Found {
            ids: rows.into_iter().map(|(id, _, _)| id).collect(),
            matched,
            capped: !matches!(self.shape, Shape::Everyone) && looked_at > LOOKED_AT_MOST,
        })
    }
}

fn counts(row: &dyn Columns) -> DbResult<(i64, i64)> {
    Ok((row.int("looked_at")?, row.int("matched")?))
}

// Every statement takes the same parameters: `$1` the `like` pattern, `$2` the FTS5 phrase, `$3`
// limit, `$4` offset, `$5` a user to leave out (0: none). Each appears in every statement (an
// unused one as `$k = $k`), so all bind alike.

const LIKE: &str = "(u.name_key like $1 escape '\\' or u.email like $1 escape '\\')";

/// Everyone matches: the name index walked to the page, and the number of users (kept beside
/// `users_version`) as the count.
const EVERYONE_PAGE: &str = "select u.user_id, v.users as looked_at, v.users as matched \
     from users u, users_version v \
     where v.only_row = 1 and u.user_id <> $5 and $1 = $1 and $2 = $2 \
     order by u.name_key, u.user_id limit $3 offset $4";
const EVERYONE_COUNTS: &str = "select users as looked_at, users as matched from users_version \
     where only_row = 1 and $1 = $1 and $2 = $2 and $3 = $3 and $4 = $4 and $5 = $5";

/// The users a search looks at (`looked_at`) and those of them that match (`matched`), as
/// common table expressions for `select`.
fn with_matches(shape: Shape, select: &str) -> String {
    let limit = LOOKED_AT_MOST + 1;
    let looked_at = match shape {
        Shape::Trigram => {
            format!("select rowid as user_id from users_search where users_search match $2 limit {limit}")
        }
        Shape::IndexedLike => format!("select u.user_id from users u where {LIKE} and $2 = $2 limit {limit}"),
        Shape::Oldest | Shape::Everyone => {
            format!("select user_id from users where $2 = $2 order by user_id limit {limit}")
        }
    };
    format!(
        "with looked_at as materialized ({looked_at}), \
         matched as materialized ( \
           select u.user_id, u.name_key from looked_at l join users u on u.user_id = l.user_id \
           where {LIKE} and u.user_id <> $5) \
         {select}"
    )
}

fn page_statement(shape: Shape) -> String {
    match shape {
        Shape::Everyone => EVERYONE_PAGE.to_owned(),
        _ => with_matches(
            shape,
            "select m.user_id, (select count(*) from looked_at) as looked_at, \
                    (select count(*) from matched) as matched \
             from matched m order by m.name_key, m.user_id limit $3 offset $4",
        ),
    }
}

fn counts_statement(shape: Shape) -> String {
    match shape {
        Shape::Everyone => EVERYONE_COUNTS.to_owned(),
        _ => with_matches(
            shape,
            "select (select count(*) from looked_at) as looked_at, (select count(*) from matched) as matched \
             where $3 = $3 and $4 = $4",
        ),
    }
}

/// The statements of each shape, built the first time and kept (each is a constant text, so
/// every connection prepares it once).
type Texts = [OnceLock<String>; 4];

static PAGES: Texts = [const { OnceLock::new() }; 4];
static COUNTS: Texts = [const { OnceLock::new() }; 4];

fn texts(texts: &'static Texts, shape: Shape, make: fn(Shape) -> String) -> &'static str {
    texts[shape as usize].get_or_init(|| make(shape))
}
