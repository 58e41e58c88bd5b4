//! The connection lent to one store call: the statements it runs, their parameters, and the
//! rows they return, read the same way whichever backend they came from.

use rusqlite::CachedStatement;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

use super::error::{DatabaseError, DbResult};
use super::sqlite_conn::{SqliteConn, StatementDeadline, lock};

/// A query parameter. Nulls carry their type, which PostgreSQL needs to plan the statement.
#[derive(Debug, Clone, Copy)]
pub(in crate::store) enum Value<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
}

impl From<i64> for Value<'_> {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(value: &'a str) -> Self {
        Self::Text(Some(value))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(value: &'a String) -> Self {
        Self::Text(Some(value))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(value: Option<&'a str>) -> Self {
        Self::Text(value)
    }
}

/// Parameters as a slice of [`Value`]s: `params![user.get(), "pending"]`.
macro_rules! params {
    ($($value:expr),* $(,)?) => { &[$($crate::store::db::Value::from($value)),*] };
}
pub(in crate::store) use params;

/// A result row, read by column name.
pub(in crate::store) trait Columns {
    fn opt_int(&self, column: &str) -> DbResult<Option<i64>>;
    fn opt_text(&self, column: &str) -> DbResult<Option<String>>;

    fn int(&self, column: &str) -> DbResult<i64> {
        self.opt_int(column)?.ok_or_else(|| DatabaseError::decode(column, "null"))
    }

    fn text(&self, column: &str) -> DbResult<String> {
        self.opt_text(column)?.ok_or_else(|| DatabaseError::decode(column, "null"))
    }
}

impl Columns for AnyRow {
    fn opt_int(&self, column: &str) -> DbResult<Option<i64>> {
        Ok(self.try_get(column)?)
    }

    fn opt_text(&self, column: &str) -> DbResult<Option<String>> {
        Ok(self.try_get(column)?)
    }
}

/// A SQLite row with its statement's column names, read once per statement rather than once per
/// value (SQLite finds a column by name with a case-insensitive comparison of every name).
struct SqliteRow<'r> {
    row: &'r rusqlite::Row<'r>,
    names: &'r [String],
}

impl SqliteRow<'_> {
    fn index(&self, column: &str) -> DbResult<usize> {
        let index = self.names.iter().position(|name| name == column);
        Ok(index.ok_or_else(|| rusqlite::Error::InvalidColumnName(column.to_owned()))?)
    }
}

impl Columns for SqliteRow<'_> {
    fn opt_int(&self, column: &str) -> DbResult<Option<i64>> {
        Ok(self.row.get(self.index(column)?)?)
    }

    fn opt_text(&self, column: &str) -> DbResult<Option<String>> {
        Ok(self.row.get(self.index(column)?)?)
    }
}

/// Turns one row into a record.
pub(in crate::store) type Mapper<'m, T> = &'m (dyn Fn(&dyn Columns) -> DbResult<T> + Sync);

/// One connection, for the length of one store call: a SQLite connection on the thread that owns
/// it, or a PostgreSQL connection (pooled, or a transaction's).
pub(crate) enum Conn<'c> {
    Sqlite(&'c SqliteConn),
    Postgres(&'c mut AnyConnection),
}

impl Conn<'_> {
    /// Every row `sql` returns.
    pub(in crate::store) async fn fetch_all<T>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        map: Mapper<'_, T>,
    ) -> DbResult<Vec<T>> {
        match self {
            Self::Sqlite(conn) => query_sqlite(&lock(conn), sql, params, map, usize::MAX),
            Self::Postgres(conn) => {
                bind_postgres(sql, params).fetch_all(&mut **conn).await?.iter().map(|row| map(row)).collect()
            }
        }
    }

    /// The first row `sql` returns, if any.
    pub(in crate::store) async fn fetch_optional<T>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        map: Mapper<'_, T>,
    ) -> DbResult<Option<T>> {
        match self {
            Self::Sqlite(conn) => Ok(query_sqlite(&lock(conn), sql, params, map, 1)?.pop()),
            Self::Postgres(conn) => {
                bind_postgres(sql, params).fetch_optional(&mut **conn).await?.map(|row| map(&row)).transpose()
            }
        }
    }

    /// The first row `sql` returns; none is an error.
    pub(in crate::store) async fn fetch_one<T>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        map: Mapper<'_, T>,
    ) -> DbResult<T> {
        self.fetch_optional(sql, params, map).await?.ok_or(DatabaseError::NoRow)
    }

    /// Runs a statement; returns how many rows it changed.
    pub(in crate::store) async fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> DbResult<u64> {
        match self {
            Self::Sqlite(conn) => {
                let conn = lock(conn);
                let mut statement = prepare_sqlite(&conn, sql, params)?;
                let _deadline = StatementDeadline::arm();
                Ok(statement.raw_execute()? as u64)
            }
            Self::Postgres(conn) => Ok(bind_postgres(sql, params).execute(&mut **conn).await?.rows_affected()),
        }
    }

    pub(in crate::store) fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// Prepares `sql` (from the connection's cache) and binds `params`: `$n` takes `params[n - 1]`.
fn prepare_sqlite<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    params: &[Value<'_>],
) -> DbResult<CachedStatement<'c>> {
    let mut statement = conn.prepare_cached(sql)?;
    for index in 1..=statement.parameter_count() {
        let name = statement.parameter_name(index).unwrap_or("?");
        let value = name
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| params.get(n.wrapping_sub(1)))
            .ok_or_else(|| DatabaseError::MissingParameter(name.to_owned()))?;
        match *value {
            Value::Int(v) => statement.raw_bind_parameter(index, v)?,
            Value::Text(v) => statement.raw_bind_parameter(index, v)?,
        }
    }
    Ok(statement)
}

/// Up to `limit` rows of `sql`, each turned into a record by `map`.
fn query_sqlite<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value<'_>],
    map: Mapper<'_, T>,
    limit: usize,
) -> DbResult<Vec<T>> {
    let mut statement = prepare_sqlite(conn, sql, params)?;
    let names: Vec<String> = statement.column_names().into_iter().map(str::to_owned).collect();
    let _deadline = StatementDeadline::arm();
    let mut rows = statement.raw_query();
    let mut records = Vec::new();
    while records.len() < limit
        && let Some(row) = rows.next()?
    {
        records.push(map(&SqliteRow { row, names: &names })?);
    }
    Ok(records)
}

type PgQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

fn bind_postgres<'q>(sql: &'q str, params: &[Value<'q>]) -> PgQuery<'q> {
    params.iter().fold(sqlx::query(sql), |query, value| match *value {
        Value::Int(v) => query.bind(v),
        Value::Text(v) => query.bind(v),
    })
}
