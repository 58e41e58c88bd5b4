-- The number of users, beside the version that grows with them: the user directory's total,
-- without counting a table that may hold millions.
alter table users_version add column users integer not null default 0;
update users_version set users = (select count(*) from users) where only_row = 1;

drop trigger users_version_after_insert;
create trigger users_version_after_insert after insert on users begin
    update users_version set version = version + 1, users = users + 1 where only_row = 1;
end;
