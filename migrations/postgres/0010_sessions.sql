-- Browser sessions (tower-sessions records, as JSON), kept by the store itself as on SQLite.
-- They used to live in tower-sessions-sqlx-store's own schema, in another encoding: those
-- records are dropped, which signs everyone out once.
create table if not exists tower_sessions (
    id          text   primary key not null,
    data        text   not null,
    expiry_date bigint not null
);

create index tower_sessions_by_expiry on tower_sessions (expiry_date);

drop table if exists tower_sessions.session;
drop schema if exists tower_sessions;
