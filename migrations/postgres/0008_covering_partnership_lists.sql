-- The partnerships list reads each partnership's id, time and other member; with the other member
-- included in the index, each side of the list can be an index-only scan.
drop index partnerships_by_user_a;
create index partnerships_by_user_a on partnerships (user_a_id, created_at desc, partnership_id desc) include (user_b_id);

drop index partnerships_by_user_b;
create index partnerships_by_user_b on partnerships (user_b_id, created_at desc, partnership_id desc) include (user_a_id);
