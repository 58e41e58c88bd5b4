-- Browser sessions (tower-sessions records), read and written by the store itself. The table
-- had been created by tower-sessions-sqlx-store, with this same shape; `data` holds the record
-- as JSON.
create table if not exists tower_sessions (
    id text primary key not null,
    data blob not null,
    expiry_date integer not null
);
