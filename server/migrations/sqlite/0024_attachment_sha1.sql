-- The SHA-1 of an attachment's bytes (hex), hashed once on arrival: the attachment list shows
-- it for every file, and hashing a minidump of tens of megabytes at every listing made the
-- issue page wait. NULL for other items and for attachments stored before this migration
-- (hashed when listed, as before).
ALTER TABLE envelope_items ADD COLUMN sha1 TEXT;
