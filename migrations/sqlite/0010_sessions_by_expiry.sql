-- Deleting expired sessions reads only the expired ones.
create index tower_sessions_by_expiry on tower_sessions (expiry_date);
