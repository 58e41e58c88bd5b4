-- A number that grows with every partnership made or ended, anywhere. What a dashboard shows
-- about the network around its user (partners in common with the people it lists, people they
-- may know) changes when partners of partners change, which bumps no version of the viewer's
-- own; a kept dashboard is right only while this number, too, is unchanged.
create table partnerships_version (
    only_row integer primary key check (only_row = 1),
    version integer not null
);

insert into partnerships_version (only_row, version) values (1, 0);

create trigger partnerships_version_made after insert on partnerships begin
    update partnerships_version set version = version + 1 where only_row = 1;
end;

create trigger partnerships_version_ended after delete on partnerships begin
    update partnerships_version set version = version + 1 where only_row = 1;
end;
