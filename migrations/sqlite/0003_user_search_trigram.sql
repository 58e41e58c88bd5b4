-- User search by substring without scanning the table: an FTS5 index of trigrams over the
-- searched columns (lower-cased name and e-mail). It keeps no copy of the text (external
-- content: the users table), and triggers keep it in step with users.
create virtual table users_search using fts5(
    name_key, email, content = 'users', content_rowid = 'user_id', tokenize = 'trigram'
);

insert into users_search (users_search) values ('rebuild');

create trigger users_search_after_insert after insert on users begin
    insert into users_search (rowid, name_key, email) values (new.user_id, new.name_key, new.email);
end;

create trigger users_search_after_delete after delete on users begin
    insert into users_search (users_search, rowid, name_key, email)
        values ('delete', old.user_id, old.name_key, old.email);
end;

create trigger users_search_after_update after update of name_key, email on users begin
    insert into users_search (users_search, rowid, name_key, email)
        values ('delete', old.user_id, old.name_key, old.email);
    insert into users_search (rowid, name_key, email) values (new.user_id, new.name_key, new.email);
end;
