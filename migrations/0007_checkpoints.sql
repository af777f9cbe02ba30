-- A run's last checkpoint: its full training state at the end of `step` (shared/contract/
-- checkpoint.ts, as JSON with packed tensors), so an interrupted run resumes from there instead
-- of step 0. One row a run: each new checkpoint replaces the last; a run that completes or
-- diverges has none (nothing left to resume). Exports carry it, so a run resumes on another machine.
CREATE TABLE run_checkpoints (
  run_id   INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  step     INTEGER NOT NULL CHECK (step >= 0),
  bytes    INTEGER NOT NULL,
  saved_at INTEGER NOT NULL,
  state    TEXT    NOT NULL
);
