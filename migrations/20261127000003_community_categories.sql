-- The repair categories a community offers, in the order owners see them.
-- A community with no rows here offers every category.
CREATE TABLE community_categories (
    community_id  BIGINT NOT NULL REFERENCES communities(id),
    category      TEXT NOT NULL,
    sort          INT NOT NULL,
    PRIMARY KEY (community_id, category)
);
