-- Snapshots for the explorable: at a few recorded training steps, one batch's pre-normalization
-- values of each normalized term, [batch × time × features] sample-major (the first `features` of
-- `total_features`, within a size budget), each sample's valid length (the mask), and every
-- (sample, time step)'s mean and variance over all features in `groups` groups (what LN, GN and
-- RMSNorm compute from). A snapshot's step is a recorded step: its batch statistics per time step
-- are the timestep_stats row with the same run, term and step.
CREATE TABLE snapshots (
  id             INTEGER PRIMARY KEY,
  run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  term           TEXT    NOT NULL CHECK (term IN ('x', 'h', 'c')),
  step           INTEGER NOT NULL,
  batch          INTEGER NOT NULL,   -- N
  time_steps     INTEGER NOT NULL,   -- T
  features       INTEGER NOT NULL,   -- F stored
  total_features INTEGER NOT NULL,   -- C
  groups         INTEGER NOT NULL,   -- G: row moments per group of C / G features
  lengths        BLOB    NOT NULL,   -- Int32[N]: sample n is valid at time steps t < lengths[n]
  vals           BLOB    NOT NULL,   -- Float32[N * T * F]: value of (n, t, f) at (n * T + t) * F + f
  row_mean       BLOB    NOT NULL,   -- Float32[N * T * G]: mean over the group's features (NaN where padded)
  row_var        BLOB    NOT NULL    -- Float32[N * T * G]: variance over the group's features
);
CREATE UNIQUE INDEX snapshots_key ON snapshots (run_id, term, step);
