-- The number of users, beside the version that grows with them: the user directory's total,
-- without counting a table that may hold millions. A statement that adds many users (a bulk
-- load) adds them all at once, from the statement's table of new rows.
alter table users_version add column users bigint not null default 0;
update users_version set users = (select count(*) from users) where only_row = 1;

drop trigger users_version_after_insert on users;

create or replace function users_version_bump() returns trigger language plpgsql as $$
begin
    update users_version set version = version + 1, users = users + (select count(*) from added)
     where only_row = 1;
    return null;
end
$$;

create trigger users_version_after_insert after insert on users
    referencing new table as added
    for each statement execute function users_version_bump();
