-- One table for every list a community chooses from a fixed set, in its own
-- order: repair categories (were community_categories) and complaint
-- subjects. A community with no rows for a list offers all of it.
CREATE TABLE community_options (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    list          TEXT NOT NULL CHECK (list IN ('repair_category', 'complaint_subject')),
    code          TEXT NOT NULL,
    sort          INT NOT NULL,
    PRIMARY KEY (community_id, list, code)
);
INSERT INTO community_options (community_id, list, code, sort)
    SELECT community_id, 'repair_category', category, sort FROM community_categories;
DROP TABLE community_categories;
