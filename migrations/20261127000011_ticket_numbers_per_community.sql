-- A ticket's number (BX-20261127-0001) counts per community and day, as each service centre
-- numbers its own requests; it was unique across all communities, so the second community's first
-- request of a day collided with the first community's and could not be filed.
ALTER TABLE tickets DROP CONSTRAINT tickets_number_key;
ALTER TABLE tickets ADD CONSTRAINT tickets_community_number_key UNIQUE (community_id, number);

-- The figures (/stats, exports, satisfaction) select tickets by period across communities.
CREATE INDEX tickets_created_at ON tickets (created_at);
