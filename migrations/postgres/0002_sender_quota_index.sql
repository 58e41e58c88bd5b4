-- Serves the daily request quota: a sender's requests of the last 24 hours, whatever their status.
create index partner_requests_by_sender_time on partner_requests (sender_id, created_at);
