-- A number that grows whenever a user is added. Users are never changed or deleted, so a user
-- search's result stays right for as long as this number does: the store caches searches and
-- checks the number on every one (a primary-key read) instead of searching again.
create table users_version (
    only_row integer primary key check (only_row = 1),
    version integer not null
);

insert into users_version (only_row, version) values (1, (select count(*) from users));

create trigger users_version_after_insert after insert on users begin
    update users_version set version = version + 1 where only_row = 1;
end;
