-- User search by substring without scanning the table: trigram GIN indexes serve
-- `name_key like '%q%'` and `email like '%q%'` (a bitmap OR of the two) for queries of three
-- characters or more; shorter ones still work, reading the whole index.
create extension if not exists pg_trgm;

create index users_name_key_trgm on users using gin (name_key gin_trgm_ops);
create index users_email_trgm on users using gin (email gin_trgm_ops);
