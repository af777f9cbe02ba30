-- Stable identity and provenance, so runs can move between archives (export, import, merge) and
-- reports can say where each run came from. Every study and run gets a UUID (existing ones get a
-- random one now); a run keeps the host name of the machine whose process trained it.
ALTER TABLE studies ADD COLUMN uuid TEXT;
ALTER TABLE runs ADD COLUMN uuid TEXT;
ALTER TABLE runs ADD COLUMN host TEXT;

-- RFC 4122 version-4 UUIDs from SQLite's randomness.
UPDATE studies SET uuid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
  substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))) WHERE uuid IS NULL;
UPDATE runs SET uuid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
  substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))) WHERE uuid IS NULL;

CREATE UNIQUE INDEX studies_by_uuid ON studies (uuid);
CREATE UNIQUE INDEX runs_by_uuid ON runs (uuid);
