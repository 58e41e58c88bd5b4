-- A number that grows with every partnership made or ended, anywhere. What a dashboard shows
-- about the network around its user (partners in common with the people it lists, people they
-- may know) changes when partners of partners change, which bumps no version of the viewer's
-- own; a kept dashboard is right only while this number, too, is unchanged.
create table partnerships_version (
    only_row integer primary key check (only_row = 1),
    version bigint not null
);

insert into partnerships_version (only_row, version) values (1, 0);

create function partnerships_version_bump() returns trigger language plpgsql as $$
begin
    update partnerships_version set version = version + 1 where only_row = 1;
    return null;
end
$$;

create trigger partnerships_version_after_change after insert or delete on partnerships
    for each statement execute function partnerships_version_bump();
