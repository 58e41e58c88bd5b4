-- The partnerships list reads each partnership's id, time and other member; with the other member
-- in the index too, each side of the list is read from its index alone, without a table read
-- per row (the users themselves come from the application's cache).
drop index partnerships_by_user_a;
create index partnerships_by_user_a on partnerships (user_a_id, created_at desc, partnership_id desc, user_b_id);

drop index partnerships_by_user_b;
create index partnerships_by_user_b on partnerships (user_b_id, created_at desc, partnership_id desc, user_a_id);
