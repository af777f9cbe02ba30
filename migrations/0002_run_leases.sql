-- A run has an owner while it trains: the process that trains it holds a lease (an owner id, the
-- host and pid of the process writing it, a heartbeat). Opening an archive marks a "running" run
-- interrupted only when its lease has expired or its process is gone, so the app, `npm run serve`
-- and the CLI can share one archive without declaring each other's live runs dead.
ALTER TABLE runs ADD COLUMN lease_owner TEXT;
ALTER TABLE runs ADD COLUMN lease_host TEXT;
ALTER TABLE runs ADD COLUMN lease_pid INTEGER;
ALTER TABLE runs ADD COLUMN lease_heartbeat INTEGER;
