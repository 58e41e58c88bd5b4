-- A number that grows whenever users are added. Users are never changed or deleted, so a user
-- search's result stays right for as long as this number does: the store caches searches and
-- checks the number on every one (a primary-key read) instead of searching again. The update
-- runs in the inserting transaction, so the number and the new users become visible together.
create table users_version (
    only_row integer primary key check (only_row = 1),
    version bigint not null
);

insert into users_version (only_row, version) values (1, (select count(*) from users));

create function users_version_bump() returns trigger language plpgsql as $$
begin
    update users_version set version = version + 1 where only_row = 1;
    return null;
end
$$;

create trigger users_version_after_insert after insert on users
    for each statement execute function users_version_bump();
