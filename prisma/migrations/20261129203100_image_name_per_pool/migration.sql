-- Image names are unique per pool scope, ignoring case: the public catalogue
-- (no pool) is one scope, each pool's custom images another. The service also
-- refuses a custom name equal to a public one; this index is the backstop for
-- concurrent requests.
CREATE UNIQUE INDEX "images_pool_scope_name_key" ON "images" (COALESCE("poolId", ''), lower("name"));

-- "Is any server still running this image?" when an image is deleted.
CREATE INDEX "servers_imageId_idx" ON "servers" ("imageId");
