-- NormLab archive, schema 1.
-- Per-timestep statistics are stored one row per (run, layer, term, recorded step) with the T
-- time steps packed in little-endian BLOBs, not one row per number: a step × time-step heatmap of
-- a 10,000-step run is then 10,000 small rows read by one index range scan. The per-feature
-- vectors (T × C floats) live in a side table so that scans of the summaries never touch them.

CREATE TABLE studies (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  description TEXT    NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  study_id    INTEGER REFERENCES studies (id) ON DELETE SET NULL,
  name        TEXT    NOT NULL,
  status      TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'interrupted', 'diverged')),
  config_json TEXT    NOT NULL CHECK (json_valid(config_json)),
  config_hash TEXT    NOT NULL,
  -- Copied out of config_json because people filter and sort on them.
  task        TEXT    NOT NULL,
  cell        TEXT    NOT NULL,
  norm        TEXT    NOT NULL,
  batch_size  INTEGER NOT NULL,
  seed        INTEGER NOT NULL,
  -- tfjs backend, GPU renderer string, WebGL version, float precision (JSON), once known.
  backend     TEXT,
  device_json TEXT CHECK (device_json IS NULL OR json_valid(device_json)),
  created_at  INTEGER NOT NULL,
  started_at  INTEGER,
  ended_at    INTEGER,
  notes       TEXT    NOT NULL DEFAULT '',
  starred     INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),
  error       TEXT
);
CREATE INDEX runs_by_study ON runs (study_id);
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_config_hash ON runs (config_hash);

CREATE TABLE run_tags (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  tag    TEXT    NOT NULL,
  PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
CREATE INDEX run_tags_by_tag ON run_tags (tag);

-- One row per (run, metric, step): loss, accuracy, lr, grad_norm, eval/loss, …
CREATE TABLE metrics (
  run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name    TEXT    NOT NULL,
  step    INTEGER NOT NULL,
  value   REAL    NOT NULL,
  wall_ms REAL    NOT NULL,
  PRIMARY KEY (run_id, name, step)
) WITHOUT ROWID;

CREATE TABLE timestep_stats (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  layer      INTEGER NOT NULL,
  term       TEXT    NOT NULL CHECK (term IN ('x', 'h', 'c')),
  step       INTEGER NOT NULL,
  time_steps INTEGER NOT NULL,     -- T
  features   INTEGER NOT NULL,     -- C (0 when no per-feature vectors were recorded)
  count      BLOB    NOT NULL,     -- Int32[T]: valid samples per time step
  norm_count BLOB,                 -- Int32[T]: values behind each normalizer statistic (NULL: no normalizer)
  mean       BLOB    NOT NULL,     -- Float32[T]: mean over features of the batch mean (NaN: no valid sample)
  var        BLOB    NOT NULL      -- Float32[T]: mean over features of the batch variance
);
CREATE UNIQUE INDEX timestep_stats_key ON timestep_stats (run_id, layer, term, step);

CREATE TABLE timestep_features (
  stat_id      INTEGER PRIMARY KEY REFERENCES timestep_stats (id) ON DELETE CASCADE,
  feature_mean BLOB NOT NULL,       -- Float32[T * C], time-step major
  feature_var  BLOB NOT NULL
);

CREATE TABLE population_stats (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step       INTEGER NOT NULL,     -- the training step the snapshot was taken at
  layer      INTEGER NOT NULL,
  term       TEXT    NOT NULL CHECK (term IN ('x', 'h', 'c')),
  time_steps INTEGER NOT NULL,
  features   INTEGER NOT NULL,
  mean       BLOB    NOT NULL,     -- Float32[T * C]
  var        BLOB    NOT NULL,     -- Float32[T * C]
  seen       BLOB    NOT NULL      -- Int32[T]: how often each time step was updated
);
CREATE UNIQUE INDEX population_stats_key ON population_stats (run_id, step, layer, term);

CREATE TABLE evaluations (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step   INTEGER NOT NULL,
  policy TEXT    NOT NULL,
  length INTEGER NOT NULL,
  metric TEXT    NOT NULL,
  value  REAL    NOT NULL,
  PRIMARY KEY (run_id, step, policy, length, metric)
) WITHOUT ROWID;
